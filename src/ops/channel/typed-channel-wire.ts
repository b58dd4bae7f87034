import { NetError } from '../../base/errors.js'
import { unreachable } from '../../base/unreachable.js'

/**
 * What one side of a typed channel sends on its port. Each side sends, in this order of life:
 * one `hello`, then any `data` and `credit`, and exactly one `end` and one `stop`.
 *
 * - `hello`: announces this side's receive window (messages and bytes), the sender's initial credit.
 * - `data`: one value. `wait` marks the message that used up the sender's byte credit, so the
 *   receiver grants as soon as it is consumed whatever its own size estimate says.
 * - `credit`: this side's consumer took `n` more messages; the sender may send that many more.
 * - `end`: the sender's last `data` came before this (terminates the data stream).
 * - `stop`: no more `credit` from this side (terminates the credit stream): sent when the peer's
 *   `end` arrived, or early when the local reader gave up, which also ends the peer's sending.
 */
export type ChannelMessage =
  | { type: 'hello'; window: number; windowBytes: number }
  | { type: 'data'; value: unknown; wait: boolean }
  | { type: 'credit'; n: number }
  | { type: 'end' }
  | { type: 'stop' }

// On the wire each message is a short tagged array, like the session frames: a map with
// `type`/`value` keys would add ~13 bytes to every data message.
const TAG = { hello: 0, data: 1, credit: 2, end: 3, stop: 4 } as const

/** The wire form of `message`: a short tagged array. */
export function encodeChannelMessage(message: ChannelMessage): unknown[] {
  switch (message.type) {
    case 'hello':
      return [TAG.hello, message.window, message.windowBytes]
    case 'data':
      return message.wait ? [TAG.data, message.value, 1] : [TAG.data, message.value]
    case 'credit':
      return [TAG.credit, message.n]
    case 'end':
      return [TAG.end]
    case 'stop':
      return [TAG.stop]
    default:
      return unreachable(message)
  }
}

/** Validates one message from the peer; throws NetError `protocol` for anything else. */
export function parseChannelMessage(input: unknown): ChannelMessage {
  if (!Array.isArray(input) || input.length < 1) throw bad('a channel message that is not a tagged array')
  const [tag, a, b] = input as unknown[]
  switch (tag) {
    case TAG.hello:
      if (input.length !== 3 || !isPositiveCount(a) || !isPositiveCount(b)) throw bad('a malformed channel hello')
      return { type: 'hello', window: a, windowBytes: b }
    case TAG.data:
      if (input.length === 2) return { type: 'data', value: a, wait: false }
      if (input.length === 3 && b === 1) return { type: 'data', value: a, wait: true }
      throw bad('a malformed channel data message')
    case TAG.credit:
      if (input.length !== 2 || !isPositiveCount(a)) throw bad('a malformed channel credit')
      return { type: 'credit', n: a }
    case TAG.end:
    case TAG.stop:
      if (input.length !== 1) throw bad('a malformed channel message')
      return { type: tag === TAG.end ? 'end' : 'stop' }
    default:
      throw bad(`a channel message with unknown tag ${String(tag).slice(0, 20)}`)
  }
}

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

function isPositiveCount(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 1
}

function bad(what: string): NetError {
  return new NetError('protocol', `peer sent ${what}`)
}
