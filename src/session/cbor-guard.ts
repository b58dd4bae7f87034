/** Limits the guard enforces before any byte reaches the CBOR decoder. */
export interface CborGuardLimits {
  /** Deepest nesting of arrays and maps. */
  readonly maxDepth: number
  /** Most data items in one frame. */
  readonly maxItems: number
}

/** The map keys refused, as the UTF-8 bytes they arrive as (compared without decoding). */
const FORBIDDEN_KEYS = ['__proto__', 'constructor'].map((key) => new TextEncoder().encode(key))

/**
 * Tags whose cbor-x meaning only builds plain values: dates (0, 1), big integers (2, 3), typed
 * arrays (64–87), Set (258) and Map (259).
 */
function isPlainTag(tag: number): boolean {
  return tag <= 3 || (tag >= 64 && tag <= 87) || tag === 258 || tag === 259
}

class Malformed {
  constructor(readonly what: string) {}
}

/**
 * Walks a CBOR frame without building anything and returns what is wrong with it, or undefined
 * when it is one
 * well-formed item of plain data: integers, floats, strings, byte strings, arrays, maps, booleans,
 * null, undefined, and the few tags that only build plain values (dates, big integers, typed
 * arrays, Set, Map). Every other tag is refused because cbor-x gives some of them powerful
 * meanings (tag 27 calls a global function by name; record and reference tags carry decoder state
 * across frames), which a peer must never reach. Map keys `__proto__` and `constructor` are refused so
 * decoded objects can never reach or shadow a prototype.
 */
export function findCborProblem(bytes: Uint8Array, limits: CborGuardLimits): string | undefined {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  let pos = 0
  let items = 0

  function fail(what: string): never {
    throw new Malformed(what)
  }

  function readArgument(info: number): number {
    if (info < 24) return info
    const size = info === 24 ? 1 : info === 25 ? 2 : info === 26 ? 4 : info === 27 ? 8 : 0
    if (size === 0) fail(`reserved or indefinite length (${info})`)
    if (pos + size > bytes.length) fail('truncated')
    let value: number
    if (size === 1) value = view.getUint8(pos)
    else if (size === 2) value = view.getUint16(pos)
    else if (size === 4) value = view.getUint32(pos)
    else value = view.getUint32(pos) * 2 ** 32 + view.getUint32(pos + 4)
    pos += size
    return value
  }

  function readItem(depth: number, isKey: boolean): void {
    if (++items > limits.maxItems) fail(`more than ${limits.maxItems} items`)
    if (pos >= bytes.length) fail('truncated')
    const initial = view.getUint8(pos++)
    const major = initial >> 5
    const info = initial & 31
    switch (major) {
      case 0:
      case 1:
        readArgument(info)
        return
      case 2:
      case 3: {
        const length = readArgument(info)
        if (length > bytes.length - pos) fail('a string longer than the frame')
        if (major === 3 && isKey) {
          for (const key of FORBIDDEN_KEYS) {
            if (length === key.length && key.every((byte, i) => bytes[pos + i] === byte)) {
              fail(`the forbidden key "${new TextDecoder().decode(key)}"`)
            }
          }
        }
        pos += length
        return
      }
      case 4:
      case 5: {
        if (depth >= limits.maxDepth) fail(`nesting deeper than ${limits.maxDepth}`)
        const length = readArgument(info)
        // Each entry takes at least one byte: a bigger count cannot be honest.
        if (length > bytes.length - pos) fail('a container longer than the frame')
        for (let i = 0; i < length; i++) {
          if (major === 5) readItem(depth + 1, true)
          readItem(depth + 1, false)
        }
        return
      }
      case 6: {
        const tag = readArgument(info)
        if (!isPlainTag(tag)) fail(`CBOR tag ${tag}`)
        readItem(depth + 1, false)
        return
      }
      default: // major 7: simple values and floats
        if (info < 20 || info === 24 || info > 27) fail(`simple value ${info}`)
        if (info >= 25) pos += info === 25 ? 2 : info === 26 ? 4 : 8
        if (pos > bytes.length) fail('truncated')
    }
  }

  try {
    readItem(0, false)
    if (pos !== bytes.length) fail('trailing bytes after the item')
  } catch (err) {
    if (err instanceof Malformed) return err.what
    throw err
  }
  return undefined
}
