import { afterEach, describe, expect, it, vi } from 'vitest'
import { ClockTracker } from '../../src/clock/clock-tracker.js'
import { defaultNow } from '../../src/clock/local-clock.js'
import { prng, seedFromEnv } from '../helpers/prng.js'
import { memorySessions } from '../helpers/session-pair.js'

const baseSeed = seedFromEnv()
console.log(`clock session tests: SEED=${baseSeed}`)

/**
 * Float slack: readings near 1.7e12 ms (timeOrigin + now) carry ~2.4e-4 ms of rounding each, and
 * an offset is a sum of four of them.
 */
const EPS = 1e-3

describe('clock estimate over a memory pair with an injected skew', () => {
  it('the true skew is within errorBound of both estimates, every time (240 seeded runs)', async () => {
    const runs = 240
    const parallel = 8
    let worst = 0
    const run = async (i: number): Promise<void> => {
      const seed = (baseSeed + i) >>> 0
      const random = prng(seed)
      // The two skews from the issue, and random ones of either sign up to ±1e6 ms.
      const skew = i % 3 === 0 ? 12_345.678 : i % 3 === 1 ? -777.25 : (random() - 0.5) * 2e6
      const link = { latencyMs: random() * 0.5, jitterMs: random() * 0.5, random }
      const p = await memorySessions(link, { follower: { now: () => defaultNow() + skew } })
      try {
        const f = p.follower.clock
        const l = p.leader.clock
        const where = `seed ${seed} (replay: SEED=${seed}), skew ${skew}`
        // The follower sees the leader's clock at −skew, the leader sees the follower's at +skew.
        const followerError = Math.abs(f.offsetMs - -skew)
        const leaderError = Math.abs(l.offsetMs - skew)
        expect(followerError, `follower: ${where}, ${JSON.stringify(f)}`).toBeLessThanOrEqual(f.errorBoundMs + EPS)
        expect(leaderError, `leader: ${where}, ${JSON.stringify(l)}`).toBeLessThanOrEqual(l.errorBoundMs + EPS)
        expect(f.samples).toBeGreaterThanOrEqual(12)
        worst = Math.max(worst, followerError / f.errorBoundMs)
        // The shared timeline: the follower's now() is the leader's clock, within its bound. Read
        // between two leader readings, so time lost between the reads cannot fail the check.
        const [before, fn, after] = [p.leader.now(), p.follower.now(), p.leader.now()]
        const bound = p.follower.clock.errorBoundMs + EPS
        expect(fn, where).toBeGreaterThanOrEqual(before - bound)
        expect(fn, where).toBeLessThanOrEqual(after + bound)
      } finally {
        await p.close()
      }
    }
    for (let i = 0; i < runs; i += parallel) {
      await Promise.all(Array.from({ length: Math.min(parallel, runs - i) }, (_, k) => run(i + k)))
    }
    console.log(`clock over memory pairs: worst error / errorBound = ${worst.toFixed(3)}`)
  })

  it('heartbeats keep adding samples and emit clock events; the bound keeps holding', async () => {
    const skew = -777.25
    const fast = { heartbeatMs: 10, timeoutMs: 2000 }
    const p = await memorySessions({ latencyMs: 0.2, jitterMs: 0.3 }, { leader: fast, follower: { ...fast, now: () => defaultNow() + skew } })
    try {
      const before = p.follower.clock.samples
      const events: number[] = []
      p.follower.on('clock', (e) => events.push(e.offsetMs))
      let rtts = 0
      await new Promise<void>((resolve) => {
        const onRtt = (): void => {
          // 12 more samples: at least four heartbeats of three back-to-back probes each.
          if (++rtts < 12) return
          p.follower.off('rtt', onRtt)
          resolve()
        }
        p.follower.on('rtt', onRtt)
      })
      const f = p.follower.clock
      expect(f.samples).toBeGreaterThanOrEqual(before + 12)
      expect(Math.abs(f.offsetMs + skew)).toBeLessThanOrEqual(f.errorBoundMs + EPS)
      for (const offset of events) expect(Number.isFinite(offset)).toBe(true)
    } finally {
      await p.close()
    }
  })
})

describe('ClockTracker', () => {
  /** A tracker on a hand-driven clock whose probes are recorded instead of sent. */
  function tracker() {
    let now = 1000
    const sent: { id: number; t0: number }[] = []
    const t = new ClockTracker(() => now, 1000)
    const send = (id: number, t0: number): Promise<void> => {
      sent.push({ id, t0 })
      return Promise.resolve()
    }
    const answer = (offset: number, oneWay: number): void => {
      const ping = sent.at(-1)!
      now += oneWay
      t.onPong({ id: ping.id, t0: ping.t0, t1: now + offset, t2: now + offset }, (now += oneWay))
    }
    return { t, sent, send, answer, advance: (ms: number) => (now += ms) }
  }

  it('sends a burst back to back: each probe once the previous one is answered', async () => {
    const { t, sent, send, answer } = tracker()
    const done = t.burst(send, 3, new Promise(() => {}), false)
    expect(sent).toHaveLength(1)
    answer(50, 0.2)
    answer(50, 0.1)
    expect(sent).toHaveLength(3)
    answer(50, 0.3)
    await done
    expect(t.estimate.samples).toBe(3)
    expect(t.estimate.offsetMs).toBeCloseTo(50, 9)
    expect(t.estimate.rttMs).toBeCloseTo(0.2, 9)
  })

  it('gives up a probe left unanswered for a whole heartbeat instead of stalling', async () => {
    const { t, sent, send, answer } = tracker()
    const done = t.burst(send, 4, new Promise(() => {}), false)
    answer(5, 0.1)
    expect(sent).toHaveLength(2) // the peer never answers this one (e.g. its send buffer was full)
    t.heartbeat(send, false)
    expect(sent).toHaveLength(2) // one beat: it may still come
    t.heartbeat(send, false)
    await done // the open burst is released instead of hanging
    expect(sent).toHaveLength(3) // and the heartbeat probes again
    answer(5, 0.1)
    answer(5, 0.1)
    expect(sent).toHaveLength(5) // the heartbeat's three probes, back to back
  })

  describe('on the leader, probes never cross the follower\'s', () => {
    afterEach(() => {
      vi.useRealTimers()
    })

    it('the opening burst waits for the follower\'s burst to be answered', async () => {
      const { t, sent, send, answer } = tracker()
      const done = t.burst(send, 3, new Promise(() => {}), true)
      t.onPeerPing()
      t.onPeerPing()
      expect(sent).toHaveLength(0)
      t.onPeerPing() // the follower's third and last
      expect(sent).toHaveLength(1)
      answer(1, 0.1)
      answer(1, 0.1)
      answer(1, 0.1)
      await done
    })

    it('…or gives up waiting when the follower goes quiet', async () => {
      vi.useFakeTimers()
      const { t, sent, send } = tracker()
      void t.burst(send, 3, new Promise(() => {}), true)
      t.onPeerPing()
      vi.advanceTimersByTime(200)
      expect(sent).toHaveLength(0)
      vi.advanceTimersByTime(100)
      expect(sent).toHaveLength(1)
    })

    it('heartbeat probes go half a beat later, and stop() cancels them', () => {
      vi.useFakeTimers()
      const { t, sent, send } = tracker()
      t.heartbeat(send, true)
      vi.advanceTimersByTime(499)
      expect(sent).toHaveLength(0)
      vi.advanceTimersByTime(1)
      expect(sent).toHaveLength(1)
      t.heartbeat(send, true)
      t.stop()
      vi.advanceTimersByTime(10_000)
      expect(sent).toHaveLength(1)
    })
  })

  it('ignores pongs for pings it never sent, or with a forged t0', () => {
    const { t, sent, send } = tracker()
    void t.burst(send, 1, new Promise(() => {}), false)
    expect(t.onPong({ id: 99, t0: 0, t1: 0, t2: 0 }, 1)).toBeUndefined()
    expect(t.onPong({ id: sent[0]!.id, t0: sent[0]!.t0 + 1, t1: 0, t2: 0 }, 1)).toBeUndefined()
    expect(t.estimate.samples).toBe(0)
    expect(t.estimate.errorBoundMs).toBe(Infinity)
  })

  it('errorBound grows with the time since the last sample (15 ppm drift allowance)', () => {
    const { t, send, answer, advance } = tracker()
    void t.burst(send, 1, new Promise(() => {}), false)
    answer(-3, 0.25)
    const fresh = t.estimate.errorBoundMs
    expect(fresh).toBeCloseTo(0.25 + 15e-6 * 0.5, 9)
    advance(10_000)
    expect(t.estimate.errorBoundMs - fresh).toBeCloseTo(0.15, 9)
    expect(t.offset).toBe(-3)
  })
})
