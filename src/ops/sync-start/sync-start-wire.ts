import { malformed, plainRecord } from '../../core/message-checks.js'

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

/** Longest `delayMs` accepted (one day): beyond it a start is certainly a mistake. */
export const MAX_DELAY_MS = 86_400_000

/** True for a `delayMs` syncStart accepts: a finite number in [0, {@link MAX_DELAY_MS}]. */
export function isDelay(value: unknown): value is number {
  return typeof value === 'number' && value >= 0 && value <= MAX_DELAY_MS
}

/** Validates a peer's syncStart message; throws NetError `protocol` for anything else. */
export function parseSyncStartMessage(raw: unknown): SyncStartMessage {
  const m = plainRecord(raw, 'syncStart')
  const size = Object.keys(m).length
  switch (m.type) {
    case 'ready':
      if (size === 3 && 'payload' in m && isDelay(m.delayMs)) return { type: 'ready', payload: m.payload, delayMs: m.delayMs }
      break
    case 'start':
      if (size === 3 && 'payload' in m && typeof m.at === 'number' && Number.isFinite(m.at)) {
        return { type: 'start', at: m.at, payload: m.payload }
      }
      break
    case 'done':
      if (size === 1) return { type: 'done' }
      break
    case 'abort':
      if (size === 2 && (m.reason === 'aborted' || m.reason === 'late')) return { type: 'abort', reason: m.reason }
      break
  }
  throw malformed('syncStart')
}
