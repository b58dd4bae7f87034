import { MAX_DELAY_MS } from './sync-start-wire.js'
import type { SyncStartHost } from './sync-start-types.js'

/** The lead each side asks for when the call gives no `delayMs`. */
export const DEFAULT_DELAY_MS = 50
/**
 * Minimum lead: `start` needs half an RTT to arrive; 4 of the best RTTs absorb queueing and jitter
 * on an idle machine, the session's `recentDelay` what a busy one adds (see RecentDelay).
 */
const RTT_MULTIPLE = 4
const MIN_LEAD_MS = 2
/** Lead when no round trip has been measured yet (a session opened with `clockBurst: 0`). */
const NO_RTT_LEAD_MS = 100
/**
 * Lead the follower asks for per call in one batch of `ready`s. Handling one call costs each side
 * ~0.1 ms on an idle machine (mostly the send, on node-datachannel); 1 ms leaves room for a CPU
 * that is several times oversubscribed (a CI machine), which a batch of 1,000 needed in tests.
 * Small batches are unaffected: below 50 calls the default `delayMs` is larger anyway.
 */
const BATCH_MS_PER_CALL = 1

/** Follower: the delay its `ready` asks for, enough to cover a batch of `batchSize` calls. */
export function readyDelayMs(clock: SyncStartHost['clock'], delayMs: number, batchSize: number): number {
  const busy = clock.recentDelayMs + MIN_LEAD_MS
  return Math.min(MAX_DELAY_MS, Math.max(delayMs, BATCH_MS_PER_CALL * batchSize, busy))
}

/**
 * Leader: how far ahead of now the start instant goes, given both sides' requested delays; never
 * more than {@link MAX_DELAY_MS}, the most a follower accepts ({@link isTooFarAhead}).
 */
export function startLeadMs(clock: SyncStartHost['clock'], delayMs: number, peerDelayMs: number): number {
  const { rttMs: rtt, recentDelayMs: recentDelay } = clock
  // The best round trip says what the link can do; the recent delay, what this machine does now.
  const floor = Number.isFinite(rtt) ? Math.max(RTT_MULTIPLE * rtt, recentDelay) + MIN_LEAD_MS : NO_RTT_LEAD_MS
  return Math.min(MAX_DELAY_MS, Math.max(delayMs, peerDelayMs, floor))
}

/**
 * Follower: true for a `start` at `leadMs` ahead of its view of the shared timeline that no leader
 * schedules: more than {@link MAX_DELAY_MS} ahead, beyond what the clock's error bound explains.
 */
export function isTooFarAhead(leadMs: number, clockErrorBoundMs: number): boolean {
  return leadMs > MAX_DELAY_MS + clockErrorBoundMs
}
