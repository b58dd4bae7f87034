/**
 * A channel stream, a lock hand-off and a pending join, all in flight across one outage of the
 * same connection (not a test file: vitest only runs *.test.ts). Before the outage the leader
 * holds the mutex with the follower's request queued behind it, and the leader's half of a join
 * has reached the follower; during it the leader hands the lock over (value 42) and the follower
 * joins, so the grant and the follower's half of the join must cross once the path is back (the
 * follower's join resolves at once: it already has both halves; the leader's is the pending one).
 */
import type { NetError } from '../../src/base/errors.js'
import { delivered } from '../helpers/session-probes.js'
import type { LossySessions } from './lossy-sessions.js'

export interface AcrossOutage {
  /** Values the leader sent, and what the follower read, in arrival order. */
  readonly sent: number
  readonly received: number[]
  /** How the stream's reader ended: undefined when the channel closed cleanly. */
  readonly readError?: unknown
  readonly handoff: PromiseSettledResult<{ value: number; epoch: number }>
  readonly holderEpoch: number
  readonly join: [PromiseSettledResult<string>, PromiseSettledResult<string>]
  /** performance.now() when the follower read its last value. */
  readonly lastArrivalAt: number
}

const PACE_MS = 20
const MAX_SENDS = 2000

/** Runs the three across `outage()` (which resolves once the path is back, or the sessions gave up). */
export async function acrossOutage(s: LossySessions, outage: () => Promise<void>): Promise<AcrossOutage> {
  const { leader, follower } = s
  const [out, into] = [leader.channel<number>('stream'), follower.channel<number>('stream')]
  const received: number[] = []
  let lastArrivalAt = 0
  const reading = (async (): Promise<unknown> => {
    for await (const value of into) {
      received.push(value)
      lastArrivalAt = performance.now()
    }
    return undefined
  })().catch((err: unknown) => err)
  let stop = false
  let sent = 0
  const sending = (async () => {
    for (let i = 0; i < MAX_SENDS && !stop; i++) {
      await out.send(i)
      sent++
      await new Promise((resolve) => setTimeout(resolve, PACE_MS))
    }
  })().catch(() => undefined)

  const [held, waiting] = [leader.mutex<number>('lock', { initial: 0 }), follower.mutex<number>('lock')]
  const guard = await held.lock()
  // Settled from the start: they may reject long before this function awaits them.
  const handoff = settle(
    waiting.lock().then(async (g) => {
      const result = { value: g.value, epoch: g.epoch }
      await g.release()
      return result
    }),
  )
  const leaderJoin = settle(leader.join(() => 'L', { key: 'join' }))
  await delivered(s)

  const pathBack = outage()
  guard.value = 42
  void guard.release().catch(() => undefined)
  const followerJoin = settle(follower.join(() => 'F', { key: 'join' }))
  await pathBack
  const join = await Promise.all([leaderJoin, followerJoin])
  stop = true
  await sending
  if (!leader.isClosed) await out.close().catch(() => undefined)
  const readError = await reading
  return { sent, received, ...(readError === undefined ? {} : { readError }), handoff: await handoff, holderEpoch: guard.epoch, join, lastArrivalAt }
}

function settle<T>(promise: Promise<T>): Promise<PromiseSettledResult<T>> {
  return promise.then(
    (value) => ({ status: 'fulfilled', value }),
    (reason: unknown) => ({ status: 'rejected', reason }),
  )
}

/** The code of a settled rejection, or 'ok'. */
export function outcome(settled: PromiseSettledResult<unknown>): string {
  return settled.status === 'fulfilled' ? 'ok' : ((settled.reason as NetError).code ?? String(settled.reason))
}
