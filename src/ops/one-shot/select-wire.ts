import { unreachable } from '../../base/unreachable.js'
import { arity, finite, flag, tagged, text, unknownTag } from '../../core/wire-checks.js'

/**
 * The select / trySelect wire protocol: each side sends exactly one of these.
 * - `done`: the local function settled at `at` on the shared timeline (the leader's clock, ms).
 * - `yield`: the peer's `done` arrived while the local function was still running and it counts
 *   as a finish, so this side lost; its function has been aborted.
 * - `abort`: this side gave up (its caller aborted, it answers the peer's `abort`, or the peer
 *   cancelled after its own `done` while this side had not settled).
 */
export type SelectMessage =
  | { type: 'done'; ok: true; at: number }
  | { type: 'done'; ok: false; at: number; name: string; message: string }
  | { type: 'yield' }
  | { type: 'abort' }

/** On the wire: `[0, at, true]`, `[0, at, false, name, message]`, `[1]`, `[2]`. */
const TAG = { done: 0, yield: 1, abort: 2 } as const

export function encodeSelectMessage(m: SelectMessage): unknown[] {
  switch (m.type) {
    case 'done':
      return m.ok ? [TAG.done, m.at, true] : [TAG.done, m.at, false, m.name, m.message]
    case 'yield':
      return [TAG.yield]
    case 'abort':
      return [TAG.abort]
    default:
      return unreachable(m)
  }
}

/** Validates a peer's select message; throws NetError `protocol` for anything else. */
export function parseSelectMessage(raw: unknown): SelectMessage {
  const m = tagged(raw, 'select')
  switch (m[0]) {
    case TAG.done: {
      const at = finite(m[1], 'select done')
      if (flag(m[2], 'select done')) {
        arity(m, 3, 'select done')
        return { type: 'done', ok: true, at }
      }
      arity(m, 5, 'select done')
      return { type: 'done', ok: false, at, name: text(m[3], 'select done'), message: text(m[4], 'select done') }
    }
    case TAG.yield:
      arity(m, 1, 'select yield')
      return { type: 'yield' }
    case TAG.abort:
      arity(m, 1, 'select abort')
      return { type: 'abort' }
    default:
      throw unknownTag(m, 'select')
  }
}
