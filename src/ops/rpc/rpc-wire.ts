import { unreachable } from '../../base/unreachable.js'
import { peerSent } from '../../base/errors.js'
import { arity, oneOf, positive, tagged, text, unknownTag, MAX_KEY_LENGTH } from '../../core/wire-checks.js'

/**
 * What one side of an rpc service sends on the service's port. Both sides may call and serve on
 * the same port, so every message says by its type which side's call it concerns: `call`,
 * `stream`, `credit` and `cancel` come from the caller and name the caller's call id; `result`,
 * `error`, `item` and `end` come from the callee and name the id of the call they answer. Each
 * side numbers its calls 1, 2, 3, … in the order it makes them.
 *
 * - `call`: run `method(...args)` and answer with one `result` or `error`. One message each way.
 * - `stream`: run `method(...args)`, whose result is iterated: one `item` per value while the
 *   caller has credit (`window` messages and `windowBytes` bytes at first), then `end` or `error`.
 *   `wait` marks the item that used up the byte credit (granted as soon as it is read), as on a
 *   channel.
 * - `credit`: the caller read `n` more items of stream `id`.
 * - `cancel`: the caller gave up on call `id` (abort, timeout, or the loop broke): the handler's
 *   signal aborts, and nothing more is sent for it. Answers already on their way are ignored.
 */
export type RpcMessage =
  | { type: 'call'; id: number; method: string; args: unknown[] }
  | { type: 'stream'; id: number; method: string; args: unknown[]; window: number; windowBytes: number }
  | { type: 'result'; id: number; value: unknown }
  | { type: 'error'; id: number; name: string; message: string }
  | { type: 'item'; id: number; value: unknown; wait: boolean }
  | { type: 'end'; id: number }
  | { type: 'credit'; id: number; n: number }
  | { type: 'cancel'; id: number }

/**
 * On the wire: `[0, id, method, args]`, `[1, id, method, args, window, windowBytes]`,
 * `[2, id, value]`, `[3, id, name, message]`, `[4, id, value]` or `[4, id, value, 1]` (wait),
 * `[5, id]`, `[6, id, n]`, `[7, id]`.
 */
const TAG = { call: 0, stream: 1, result: 2, error: 3, item: 4, end: 5, credit: 6, cancel: 7 } as const
const WAIT_MARK = [1] as const

/** Longest method name, in characters. */
export const MAX_METHOD_LENGTH = MAX_KEY_LENGTH

export function encodeRpcMessage(m: RpcMessage): unknown[] {
  switch (m.type) {
    case 'call':
      return [TAG.call, m.id, m.method, m.args]
    case 'stream':
      return [TAG.stream, m.id, m.method, m.args, m.window, m.windowBytes]
    case 'result':
      return [TAG.result, m.id, m.value]
    case 'error':
      return [TAG.error, m.id, m.name, m.message]
    case 'item':
      return m.wait ? [TAG.item, m.id, m.value, 1] : [TAG.item, m.id, m.value]
    case 'end':
      return [TAG.end, m.id]
    case 'credit':
      return [TAG.credit, m.id, m.n]
    case 'cancel':
      return [TAG.cancel, m.id]
    default:
      return unreachable(m)
  }
}

/** Validates one message from the peer; throws NetError `protocol` for anything else. */
export function parseRpcMessage(raw: unknown): RpcMessage {
  const m = tagged(raw, 'rpc')
  switch (m[0]) {
    case TAG.call:
      arity(m, 4, 'rpc call')
      return { type: 'call', id: positive(m[1], 'rpc call'), method: method(m[2]), args: args(m[3]) }
    case TAG.stream:
      arity(m, 6, 'rpc stream')
      return {
        type: 'stream',
        id: positive(m[1], 'rpc stream'),
        method: method(m[2]),
        args: args(m[3]),
        window: positive(m[4], 'rpc stream'),
        windowBytes: positive(m[5], 'rpc stream'),
      }
    case TAG.result:
      arity(m, 3, 'rpc result')
      return { type: 'result', id: positive(m[1], 'rpc result'), value: m[2] }
    case TAG.error:
      arity(m, 4, 'rpc error')
      return { type: 'error', id: positive(m[1], 'rpc error'), name: text(m[2], 'rpc error'), message: text(m[3], 'rpc error') }
    case TAG.item:
      if (m.length === 3) return { type: 'item', id: positive(m[1], 'rpc item'), value: m[2], wait: false }
      arity(m, 4, 'rpc item')
      oneOf(m[3], WAIT_MARK, 'rpc item')
      return { type: 'item', id: positive(m[1], 'rpc item'), value: m[2], wait: true }
    case TAG.end:
    case TAG.cancel:
      arity(m, 2, 'rpc end or cancel')
      return { type: m[0] === TAG.end ? 'end' : 'cancel', id: positive(m[1], 'rpc end or cancel') }
    case TAG.credit:
      arity(m, 3, 'rpc credit')
      return { type: 'credit', id: positive(m[1], 'rpc credit'), n: positive(m[2], 'rpc credit') }
    default:
      throw unknownTag(m, 'rpc')
  }
}

function method(value: unknown): string {
  return text(value, 'rpc call method', MAX_METHOD_LENGTH)
}

function args(value: unknown): unknown[] {
  if (!Array.isArray(value)) throw peerSent('an rpc call whose arguments are not an array')
  return value
}
