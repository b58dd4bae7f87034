/**
 * An outage of the same connection longer than `timeoutMs`, resume off: the session closes
 * cleanly with `timeout` (or `closed`, if the transport gives up first on a loaded machine), no sooner than `timeoutMs` after the follower last heard
 * the leader, and everything in flight (a channel stream, a lock request waiting for a hand-off,
 * the leader's pending join) rejects with `timeout`. Default options, so this takes about 13 s.
 */
import { afterEach, expect, it } from 'vitest'
import { seedFromEnv } from '../helpers/prng.js'
import { acrossOutage, outcome } from './outage-scenario.js'
import { lossySessions, type LossySessions } from './lossy-sessions.js'

const seed = seedFromEnv()
console.log(`an outage beyond timeoutMs: SEED=${seed}`)
/** The default silence bound (src/core/options.ts). */
const TIMEOUT_MS = 12_000

let open: LossySessions | undefined
afterEach(async () => {
  await open?.close()
  open = undefined
})

it('closes both sessions with timeout and rejects the stream, the lock request and the join with it', async () => {
  const s = (open = await lossySessions({ delayMs: 20, jitterMs: 5, loss: 0 }, seed))
  const closedAt: number[] = []
  const result = await acrossOutage(s, async () => {
    s.frames.path.down()
    await Promise.all([s.leader.closed, s.follower.closed].map((closed) => closed.then(() => closedAt.push(performance.now()))))
    s.frames.path.up()
  })
  const [leader, follower] = [s.closedWith.leader, s.closedWith.follower]
  console.log(`closed: leader ${leader?.code} (${leader?.message}; cause ${String(leader?.cause)}), follower ${follower?.code} (${follower?.message})`)
  // Silence ends a session timeoutMs after the last frame. On a loaded machine this side's late
  // heartbeat ticks count one interval each (its own stall is not the peer's silence), so the
  // transport giving up on the dead path may close a side first: then its reason is `closed`,
  // "the connection closed". At least one side times out, and never before timeoutMs.
  for (const reason of [leader, follower]) {
    expect(reason?.code === 'timeout' || (reason?.code === 'closed' && reason.message.includes('connection closed')), String(reason)).toBe(true)
  }
  expect([leader?.code, follower?.code]).toContain('timeout')
  expect(Math.min(...closedAt) - result.lastArrivalAt, 'closed after the last value arrived (ms)').toBeGreaterThanOrEqual(TIMEOUT_MS)
  // The leader's join was pending; the follower's had both halves when it was called. Each
  // pending call rejects with its own session's reason.
  expect(result.join.map(outcome)).toEqual([leader?.code, 'ok'])
  expect(outcome(result.handoff)).toBe(follower?.code)
  expect((result.readError as { code?: string } | undefined)?.code).toBe(follower?.code)
  expect(result.received).toEqual(Array.from({ length: result.received.length }, (_, i) => i))
})
