import { unreachable } from '../../base/unreachable.js'
import { arity, flag, tagged, text, unknownTag } from '../../core/wire-checks.js'

/**
 * The join / tryJoin wire protocol: each side sends exactly one of these. `done` reports how the
 * local function settled; `abort` means this side gave up (its caller aborted, the peer cancelled
 * after its own `done`, or — in tryJoin — the peer failed first) and will not report a result.
 */
export type JoinMessage =
  | { type: 'done'; ok: true }
  | { type: 'done'; ok: false; name: string; message: string }
  | { type: 'abort' }

/** On the wire: `[0, true]`, `[0, false, name, message]`, `[1]`. */
const TAG = { done: 0, abort: 1 } as const

export function encodeJoinMessage(m: JoinMessage): unknown[] {
  switch (m.type) {
    case 'done':
      return m.ok ? [TAG.done, true] : [TAG.done, false, m.name, m.message]
    case 'abort':
      return [TAG.abort]
    default:
      return unreachable(m)
  }
}

/** Validates a peer's join message; throws NetError `protocol` for anything else. */
export function parseJoinMessage(raw: unknown): JoinMessage {
  const m = tagged(raw, 'join')
  switch (m[0]) {
    case TAG.done:
      if (flag(m[1], 'join done')) {
        arity(m, 2, 'join done')
        return { type: 'done', ok: true }
      }
      arity(m, 4, 'join done')
      return { type: 'done', ok: false, name: text(m[2], 'join done'), message: text(m[3], 'join done') }
    case TAG.abort:
      arity(m, 1, 'join abort')
      return { type: 'abort' }
    default:
      throw unknownTag(m, 'join')
  }
}
