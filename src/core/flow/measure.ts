/** How much a value counts for against a flow-controlled window: shared by channels and rpc streams. */

const MAX_MEASURED_OBJECTS = 10_000
const MAX_MEASURED_DEPTH = 64

/**
 * The size a value counts for against the byte window: the bytes of binary and string payloads
 * plus 8 per other item. Both sides measure, the sender to spend credit and the receiver to
 * decide when to grant, and a value survives the codec with the same measure (a Map arrives as
 * an object with the same keys). The walk is bounded so that a cyclic value cannot hang it; such
 * a value then fails to encode.
 */
export function measureValue(value: unknown): number {
  // Binary values, the bulk case, need no walk (and no walk state).
  if (ArrayBuffer.isView(value)) return value.byteLength
  return measure(value, 0, { objects: 0 })
}

// A plain recursive function rather than a closure per call: this runs for every message.
function measure(item: unknown, depth: number, seen: { objects: number }): number {
  if (typeof item === 'string') return item.length
  if (typeof item !== 'object' || item === null) return 8
  if (ArrayBuffer.isView(item)) return item.byteLength
  if (item instanceof ArrayBuffer) return item.byteLength
  if (++seen.objects > MAX_MEASURED_OBJECTS || depth > MAX_MEASURED_DEPTH) return 8
  let size = 8
  if (Array.isArray(item) || item instanceof Set) {
    for (const element of item) size += measure(element, depth + 1, seen)
  } else if (item instanceof Map) {
    for (const [key, element] of item) size += measure(key, depth + 1, seen) + measure(element, depth + 1, seen)
  } else {
    for (const key of Object.keys(item)) size += key.length + measure((item as Record<string, unknown>)[key], depth + 1, seen)
  }
  return size
}
