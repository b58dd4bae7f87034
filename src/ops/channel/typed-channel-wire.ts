import { unreachable } from '../../base/unreachable.js'
import { arity, oneOf, positive, tagged, unknownTag } from '../../core/wire-checks.js'

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

/** On the wire: `[0, window, windowBytes]`, `[1, value]` or `[1, value, 1]` (wait), `[2, n]`, `[3]`, `[4]`. */
const TAG = { hello: 0, data: 1, credit: 2, end: 3, stop: 4 } as const
const WAIT_MARK = [1] as const

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
export function parseChannelMessage(raw: unknown): ChannelMessage {
  const m = tagged(raw, 'channel')
  switch (m[0]) {
    case TAG.hello:
      arity(m, 3, 'channel hello')
      return { type: 'hello', window: positive(m[1], 'channel hello'), windowBytes: positive(m[2], 'channel hello') }
    case TAG.data:
      if (m.length === 2) return { type: 'data', value: m[1], wait: false }
      arity(m, 3, 'channel data')
      oneOf(m[2], WAIT_MARK, 'channel data')
      return { type: 'data', value: m[1], wait: true }
    case TAG.credit:
      arity(m, 2, 'channel credit')
      return { type: 'credit', n: positive(m[1], 'channel credit') }
    case TAG.end:
      arity(m, 1, 'channel end')
      return { type: 'end' }
    case TAG.stop:
      arity(m, 1, 'channel stop')
      return { type: 'stop' }
    default:
      throw unknownTag(m, 'channel')
  }
}

export { measureValue } from '../../core/flow/measure.js'
