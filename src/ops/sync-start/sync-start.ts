import { SyncStartOp } from './sync-start-op.js'
import type { SyncStartHost, SyncStartInfo, SyncStartOptions } from './sync-start-types.js'

export { SYNC_START_LATE_TOLERANCE_MS } from './sync-start-op.js'
export type { SyncStartHost, SyncStartInfo, SyncStartOptions } from './sync-start-types.js'

/**
 * Runs `fn` on both peers at one agreed instant (the wire: `SyncStartMessage`).
 *
 * The follower sends `ready`; the leader, once it holds both its own call and that `ready`, picks
 * `at = now + max(delayMs of both sides, 4 × RTT + 2 ms)` on the shared timeline and sends
 * `start`, so it does not matter which side calls first. Each side waits for `at` on the shared
 * timeline (a timer, then a short spin; see `waitUntil`), calls `fn`, and settles like `fn`.
 *
 * Rejects with NetError `late` on the follower when `start` arrives more than
 * {@link SYNC_START_LATE_TOLERANCE_MS} after `at` (the leader is told, but has usually started
 * already); `aborted` when the caller's signal aborts or the peer aborted; the close reason when
 * the session closes before the start; `usage` for bad options or an unencodable payload. An
 * abort that reaches the peer only after its start instant cannot stop it: one later than about
 * a one-way delay before `at` leaves the peer to start alone, and both then reject. An abort
 * after this side's own start sends `cancel` (after its `done`) and settles on the peer's final
 * message: `done` if it started too (both resolve), `abort` if it had not (both reject). Once the
 * peer's `done` has arrived, aborting has no effect.
 */
export function runSyncStart<P, R>(
  host: SyncStartHost,
  fn: (info: SyncStartInfo<P>) => R | PromiseLike<R>,
  options: SyncStartOptions,
): Promise<R> {
  const key = options.key ?? host.nextKey('syncStart')
  const op = new SyncStartOp<P, R>(host, key, fn, options)
  if (op.needsReady) queueReady(host, op)
  return op.result.promise
}

/**
 * Follower calls made in one synchronous run, per session (all its key spaces), waiting to send `ready`.
 *
 * Why batch: sending is the expensive part of a call (~0.1 ms per message on node-datachannel),
 * and while a burst of calls runs, the follower cannot read the leader's answers. Sent one by one,
 * the first `start` would wait behind the whole burst and miss its instant. Sent together after
 * the burst, each `ready` can ask for enough lead to cover the batch.
 */
const readyBatches = new WeakMap<object, ReadySender[]>()

interface ReadySender {
  sendReady(batchSize: number): void
}

function queueReady(host: SyncStartHost, op: ReadySender): void {
  const key = host.batch ?? host
  const batch = readyBatches.get(key)
  if (batch !== undefined) return void batch.push(op)
  readyBatches.set(key, [op])
  queueMicrotask(() => {
    const ops = readyBatches.get(key) ?? []
    readyBatches.delete(key)
    for (const queued of ops) queued.sendReady(ops.length)
  })
}
