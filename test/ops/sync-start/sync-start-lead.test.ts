import { afterEach, describe, expect, it } from 'vitest'
import { RecentDelay } from '../../../src/clock/recent-delay.js'
import { memorySessions, type SessionPair } from '../../helpers/session-pair.js'

describe('RecentDelay', () => {
  it('is the slowest of the last 32 round trips plus the latest of the last 8 heartbeat ticks', () => {
    const d = new RecentDelay(100)
    expect(d.ms).toBe(0)
    d.addRtt(7)
    for (let i = 0; i < 31; i++) d.addRtt(1)
    expect(d.ms).toBe(7)
    d.addRtt(1) // the 7 ms round trip is now the 33rd most recent
    expect(d.ms).toBe(1)
    d.addBeat(1000)
    d.addBeat(1100) // on time
    d.addBeat(1250) // 50 ms late
    expect(d.ms).toBe(51)
    for (let i = 1; i <= 7; i++) d.addBeat(1250 + 100 * i)
    expect(d.ms).toBe(51)
    d.addBeat(2050) // the late tick is now the 9th most recent
    expect(d.ms).toBe(1)
  })

  it('ignores a round trip that is not a finite, non-negative number', () => {
    const d = new RecentDelay(100)
    for (const bad of [Number.NaN, -1, Infinity]) d.addRtt(bad)
    expect(d.ms).toBe(0)
  })
})

describe('syncStart lead on a busy machine', () => {
  let open: SessionPair[] = []
  afterEach(async () => {
    await Promise.all(open.map((p) => p.close()))
    open = []
  })

  it('leads by at least how late the heartbeat ticks ran lately, whatever delayMs asks', async () => {
    const quick = { heartbeatMs: 20, timeoutMs: 5000 }
    const p = await memorySessions({ latencyMs: 0.2 }, { leader: quick, follower: quick })
    open.push(p)
    // Both sides share this thread: hold it while heartbeats are due, as a busy machine would.
    const stallMs = 150
    const until = performance.now() + stallMs
    while (performance.now() < until) {
      // busy
    }
    // Wait for the tick that fell due meanwhile to run late. A timer set now is no fence: Node
    // dates it from the loop's cached time, from before the stall, so it may fire first. Bounded:
    // the late tick runs within a few turns of the loop.
    const measured = stallMs - 2 * quick.heartbeatMs
    const deadline = performance.now() + 50 * quick.heartbeatMs
    while (p.leader.clock.recentDelayMs < measured && performance.now() < deadline) {
      await new Promise<void>((resolve) => setTimeout(resolve, 1))
    }
    const recentDelay = p.leader.clock.recentDelayMs
    expect(recentDelay, 'the stall was measured').toBeGreaterThanOrEqual(measured)
    const before = p.leader.now()
    const [at] = await Promise.all([
      p.leader.syncStart((info) => info.at, { key: 'busy', delayMs: 0 }),
      p.follower.syncStart(() => 0, { key: 'busy', delayMs: 0 }),
    ])
    expect(at - before).toBeGreaterThanOrEqual(recentDelay)
  })
})
