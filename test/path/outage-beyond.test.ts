/**
 * An outage of the same connection longer than `timeoutMs`, resume off: the session closes
 * cleanly with `timeout`, no sooner than `timeoutMs` after the follower last heard the leader, and
 * everything in flight (a channel stream, a lock request waiting for a hand-off, the leader's
 * pending join) rejects with `timeout`. A 4 s bound: node-datachannel's transport itself gives up
 * on a dead path after about 12 s (it closed both DataChannels first in one fresh-clone run), so
 * the default 12 s bound would race it.
 */
import { afterEach, expect, it } from 'vitest'
import { seedFromEnv } from '../helpers/prng.js'
import { acrossOutage, outcome } from './outage-scenario.js'
import { lossySessions, type LossySessions } from './lossy-sessions.js'

const seed = seedFromEnv()
console.log(`an outage beyond timeoutMs: SEED=${seed}`)
const TIMEOUT_MS = 4000
const OPTIONS = { heartbeatMs: 500, timeoutMs: TIMEOUT_MS }

let open: LossySessions | undefined
afterEach(async () => {
  await open?.close()
  open = undefined
})

it('closes both sessions with timeout and rejects the stream, the lock request and the join with it', async () => {
  const s = (open = await lossySessions({ delayMs: 20, jitterMs: 5, loss: 0 }, seed, OPTIONS))
  const closedAt: number[] = []
  const result = await acrossOutage(s, async () => {
    s.frames.path.down()
    await Promise.all([s.leader.closed, s.follower.closed].map((closed) => closed.then(() => closedAt.push(performance.now()))))
    s.frames.path.up()
  })
  const [leader, follower] = [s.closedWith.leader, s.closedWith.follower]
  console.log(`closed: leader ${leader?.code} (${leader?.message}; cause ${String(leader?.cause)}), follower ${follower?.code} (${follower?.message})`)
  expect(leader?.code).toBe('timeout')
  expect(follower?.code).toBe('timeout')
  expect(Math.min(...closedAt) - result.lastArrivalAt, 'closed after the last value arrived (ms)').toBeGreaterThanOrEqual(TIMEOUT_MS)
  // The leader's join was pending; the follower's had both halves when it was called.
  expect(result.join.map(outcome)).toEqual(['timeout', 'ok'])
  expect(outcome(result.handoff)).toBe('timeout')
  expect((result.readError as { code?: string } | undefined)?.code).toBe('timeout')
  expect(result.received).toEqual(Array.from({ length: result.received.length }, (_, i) => i))
})
