import { unreachable } from '../../base/unreachable.js'
import { arity, finite, oneOf, tagged, unknownTag } from '../../core/wire-checks.js'

/**
 * The syncStart wire protocol (kind `syncStart`). The follower opens with `ready`, the leader
 * answers `start`; then each side ends with exactly one *final* message — `done` once it has
 * started, or `abort` if it will not start — and releases the port once it has both sent its own
 * final message and received the peer's, so nothing can arrive for a released key.
 *
 * - `ready` (follower → leader, first): the follower's payload and its `delayMs`.
 * - `start` (leader → follower, at most once): the agreed instant on the shared timeline and the
 *   leader's payload.
 * - `done` (final): this side has started its function.
 * - `abort` (final): this side will not start: its caller aborted (`aborted`), the agreed instant
 *   had passed when `start` arrived (`late`), the peer's `abort` is being answered, or the peer's
 *   session-level `cancel` (sent after its `done` by a side aborted after its start) arrived
 *   before this side started.
 */
export type SyncStartMessage =
  | { type: 'ready'; payload: unknown; delayMs: number }
  | { type: 'start'; at: number; payload: unknown }
  | { type: 'done' }
  | { type: 'abort'; reason: AbortReason }

/** Why a side sent `abort`; the peer rejects with the NetError code of the same name. */
export type AbortReason = 'aborted' | 'late'

/**
 * Longest `delayMs` accepted (one day): beyond it a start is certainly a mistake. It also caps
 * how far ahead the leader schedules a start, and a follower refuses a `start` further ahead.
 */
export const MAX_DELAY_MS = 86_400_000

/** True for a `delayMs` syncStart accepts: a finite number in [0, {@link MAX_DELAY_MS}]. */
export function isDelay(value: unknown): value is number {
  return typeof value === 'number' && value >= 0 && value <= MAX_DELAY_MS
}

/** On the wire: `[0, payload, delayMs]`, `[1, at, payload]`, `[2]`, `[3, reason]`. */
const TAG = { ready: 0, start: 1, done: 2, abort: 3 } as const
const ABORT_REASONS: readonly AbortReason[] = ['aborted', 'late']

export function encodeSyncStartMessage(m: SyncStartMessage): unknown[] {
  switch (m.type) {
    case 'ready':
      return [TAG.ready, m.payload, m.delayMs]
    case 'start':
      return [TAG.start, m.at, m.payload]
    case 'done':
      return [TAG.done]
    case 'abort':
      return [TAG.abort, m.reason]
    default:
      return unreachable(m)
  }
}

/** Validates a peer's syncStart message; throws NetError `protocol` for anything else. */
export function parseSyncStartMessage(raw: unknown): SyncStartMessage {
  const m = tagged(raw, 'syncStart')
  switch (m[0]) {
    case TAG.ready:
      arity(m, 3, 'syncStart ready')
      return { type: 'ready', payload: m[1], delayMs: finite(m[2], 'syncStart ready', 0, MAX_DELAY_MS) }
    case TAG.start:
      arity(m, 3, 'syncStart start')
      return { type: 'start', at: finite(m[1], 'syncStart start'), payload: m[2] }
    case TAG.done:
      arity(m, 1, 'syncStart done')
      return { type: 'done' }
    case TAG.abort:
      arity(m, 2, 'syncStart abort')
      return { type: 'abort', reason: oneOf(m[1], ABORT_REASONS, 'syncStart abort') }
    default:
      throw unknownTag(m, 'syncStart')
  }
}
