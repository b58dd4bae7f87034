import { describe, expect, it } from 'vitest'
import { memorySessions } from '../../helpers/session-pair.js'
import { defaultNow } from '../../../src/clock/local-clock.js'
import { waitUntil } from '../../../src/clock/start-timer.js'
import { AHEAD, expectKeyFree, expectSameInstant, pair, random, recorder } from './sync-start-helpers.js'
import { rejectionOf, stateOf } from '../../helpers/promises.js'
import { delivered, messagesFor } from '../../helpers/session-probes.js'

describe('syncStart', () => {
  it.each([
    ['leader calls first', 'leader', 12_345.678],
    ['follower calls first', 'follower', -777.25],
  ] as const)('%s: both start at one instant and swap payloads', async (_name, first, skew) => {
    const p = await pair(skew)
    const [l, f] = [recorder<string>(p.leader), recorder<string>(p.follower)]
    const firstCall =
      first === 'leader' ? p.leader.syncStart(l.fn, { payload: 'L', key: 's', ...AHEAD }) : p.follower.syncStart(f.fn, { payload: 'F', key: 's', ...AHEAD })
    await delivered(p)
    expect(await stateOf(firstCall)).toBe('pending')
    const second =
      first === 'leader' ? p.follower.syncStart(f.fn, { payload: 'F', key: 's', ...AHEAD }) : p.leader.syncStart(l.fn, { payload: 'L', key: 's', ...AHEAD })
    expect(await Promise.all([firstCall, second])).toEqual([1, 1])
    const [lc, fc] = [l.calls[0]!, f.calls[0]!]
    expect([lc.info.peerPayload, fc.info.peerPayload]).toEqual(['F', 'L'])
    expect(fc.info.at).toBe(lc.info.at)
    expectSameInstant(lc, fc)
    await delivered(p) // `done` goes out on a later task
    expect(messagesFor(p, 's')).toBe(4) // ready, start, done, done
    await expectKeyFree(p, 's')
  })

  it('both sides schedule one instant of true time, within the clock error bound, over seeded skews and jitter', async () => {
    const runs = 16
    let late = 0
    let worst = 0
    for (let run = 0; run < runs; run++) {
      const skew = (random() - 0.5) * 2e6
      const p = await pair(skew, { latencyMs: random() * 0.5, jitterMs: random() * 0.5, random })
      const [l, f] = [recorder<undefined>(p.leader), recorder<undefined>(p.follower)]
      const outcomes = await Promise.allSettled([p.leader.syncStart(l.fn), p.follower.syncStart(f.fn)])
      if (outcomes.some((o) => o.status === 'rejected')) {
        // `start` reached the follower after the instant (a stall longer than the lead): both
        // sides refuse, the leader because it started alone.
        expect(outcomes).toMatchObject([
          { status: 'rejected', reason: { code: 'late' } },
          { status: 'rejected', reason: { code: 'late' } },
        ])
        late++
        continue
      }
      worst = Math.max(worst, Math.abs(expectSameInstant(l.calls[0]!, f.calls[0]!)))
    }
    console.log(`syncStart over memory pairs: worst true-time difference ${worst.toFixed(3)} ms; ${late}/${runs} refused as late`)
    expect(late, 'at least one start to check').toBeLessThan(runs)
  })

  it('the larger delayMs of the two sides wins', async () => {
    const p = await pair()
    const l = recorder<unknown>(p.leader)
    const agreed = defaultNow()
    await Promise.all([p.leader.syncStart(l.fn, { delayMs: 5 }), p.follower.syncStart(() => {}, { delayMs: 300 })])
    expect(l.calls[0]!.trueAt - agreed).toBeGreaterThanOrEqual(300)
  })

  it("rejects with NetError late on the follower when start arrives after the instant, and the leader's port is freed", async () => {
    const p = await pair()
    p.followerEnd.pause() // hold the leader's `start` (and everything else) away from the follower
    const follower = p.follower.syncStart(() => 'ran', { key: 'late', delayMs: 0 })
    let started: (at: number) => void
    const leaderStarted = new Promise<number>((resolve) => (started = resolve))
    const leader = p.leader.syncStart((info) => started(info.at), { key: 'late', delayMs: 0 })
    // The scenario, not a synchronisation: `start` reaches the follower 5 ms after the instant.
    await waitUntil((await leaderStarted) + 5, { now: () => p.leader.now() })
    p.followerEnd.resume()
    expect(await rejectionOf(follower)).toMatchObject({ code: 'late', message: /had passed .* before it arrived/ })
    // The leader did start; it learns from the follower's reply that it started alone.
    expect(await rejectionOf(leader)).toMatchObject({ code: 'late', message: /this side started but the peer did not/ })
    await expectKeyFree(p, 'late')
  })

  describe('abort', () => {
    it.each(['leader', 'follower'] as const)('by the %s before agreement: both sides reject with NetError aborted', async (who) => {
      const p = await pair()
      const ac = new AbortController()
      const [self, other] = who === 'leader' ? [p.leader, p.follower] : [p.follower, p.leader]
      const mine = self.syncStart(() => 'x', { key: 'a', signal: ac.signal })
      ac.abort(new Error('changed my mind'))
      expect(await rejectionOf(mine)).toMatchObject({ code: 'aborted' })
      await delivered(p)
      expect(await rejectionOf(other.syncStart(() => 'x', { key: 'a' }))).toMatchObject({ code: 'aborted', message: /by the peer/ })
      await expectKeyFree(p, 'a')
    })

    it.each(['leader', 'follower'] as const)('by the %s after agreement: neither side starts', async (who) => {
      const p = await pair()
      const ac = new AbortController()
      let ran = 0
      const leaderSide = p.leader.syncStart(() => ran++, { key: 'b', delayMs: 5_000, signal: who === 'leader' ? ac.signal : undefined })
      const followerSide = p.follower.syncStart(() => ran++, { key: 'b', signal: who === 'follower' ? ac.signal : undefined })
      await delivered(p) // ready and start have both arrived: the instant is agreed
      expect([await stateOf(leaderSide), await stateOf(followerSide)]).toEqual(['pending', 'pending'])
      ac.abort()
      const [self, other] = who === 'leader' ? [leaderSide, followerSide] : [followerSide, leaderSide]
      expect(await rejectionOf(self)).toMatchObject({ code: 'aborted' })
      expect(await rejectionOf(other)).toMatchObject({ code: 'aborted', message: /by the peer/ })
      expect(ran).toBe(0)
      await expectKeyFree(p, 'b')
    })

    it('an already aborted signal rejects at once and tells the peer', async () => {
      const p = await pair()
      const mine = p.follower.syncStart(() => 1, { key: 'c', signal: AbortSignal.abort() })
      expect(await rejectionOf(mine)).toMatchObject({ code: 'aborted' })
      expect(await rejectionOf(p.leader.syncStart(() => 1, { key: 'c' }))).toMatchObject({ code: 'aborted' })
      expect(messagesFor(p, 'c')).toBe(2)
      await expectKeyFree(p, 'c')
    })
  })

  it('session close while waiting rejects both sides with the close reason', async () => {
    const p = await pair()
    let ran = 0
    const both = [p.leader.syncStart(() => ran++, { delayMs: 5_000 }), p.follower.syncStart(() => ran++)]
    await delivered(p)
    // close() resolves once the peer has answered its bye, so both calls may reject before it does.
    const rejected = Promise.all(both.map((call) => rejectionOf(call)))
    await p.leader.close()
    const reasons = await rejected
    expect(reasons).toMatchObject([{ code: 'closed' }, { code: 'closed' }])
    expect(ran).toBe(0)
  })

  it('1,000 concurrent syncStarts on one connection all start, pairwise at the same instant', async () => {
    const p = await pair(-777.25, { latencyMs: 0.2, jitterMs: 0.2, random })
    const n = 1000
    // The default (50 ms, plus 1 ms per call of a batch) suffices on an idle machine; a CI machine
    // running other test files can slow these two peers, which share this one thread, tenfold.
    const delayMs = 3000
    const at = (side: typeof p.leader, tag: string) =>
      Promise.all(Array.from({ length: n }, (_, i) => side.syncStart((info) => [info.at, info.peerPayload], { payload: `${tag}${i}`, delayMs })))
    const [l, f] = await Promise.all([at(p.leader, 'L'), at(p.follower, 'F')])
    for (let i = 0; i < n; i++) {
      expect(l[i]).toEqual([f[i]![0], `F${i}`])
      expect(f[i]![1]).toBe(`L${i}`)
    }
  })

  it('misuse rejects with NetError usage here and NetError aborted on the peer', async () => {
    const p = await pair()
    expect(await rejectionOf(p.leader.syncStart(() => 1, { key: 'u', delayMs: -1 }))).toMatchObject({ code: 'usage' })
    expect(await rejectionOf(p.follower.syncStart(() => 1, { key: 'u' }))).toMatchObject({ code: 'aborted' })
    await delivered(p)
    const unencodable = p.follower.syncStart(() => 1, { key: 'u', payload: () => 'a function' })
    expect(await rejectionOf(unencodable)).toMatchObject({ code: 'usage' })
    expect(await rejectionOf(p.leader.syncStart(() => 1, { key: 'u' }))).toMatchObject({ code: 'aborted' })
    await expectKeyFree(p, 'u')
  })

  it("a throwing fn rejects only that side's syncStart", async () => {
    const p = await pair()
    const results = await Promise.allSettled([
      p.leader.syncStart(() => {
        throw new Error('boom')
      }, AHEAD),
      p.follower.syncStart(async () => 'fine', AHEAD),
    ])
    expect(results).toMatchObject([{ status: 'rejected', reason: { message: 'boom' } }, { status: 'fulfilled', value: 'fine' }])
  })
})

describe('syncStart, when only one side could start', () => {
  it('the side that started learns the peer did not, and rejects with NetError late too', async () => {
    const p = await memorySessions({ latencyMs: 1 })
    let leaderRan = false
    let started: (at: number) => void
    const leaderStarted = new Promise<number>((resolve) => (started = resolve))
    const leaderCall = p.leader.syncStart(
      (info) => {
        leaderRan = true
        started(info.at)
      },
      { key: 'alone', delayMs: 50 },
    )
    const followerCall = p.follower.syncStart(() => 'follower started', { key: 'alone', delayMs: 50 })
    // The follower stops reading (a stalled tab) until well past the agreed instant.
    p.followerEnd.pause()
    await waitUntil((await leaderStarted) + 5, { now: () => p.leader.now() })
    p.followerEnd.resume()
    const [leader, follower] = await Promise.allSettled([leaderCall, followerCall])
    expect(leaderRan).toBe(true)
    expect(follower).toMatchObject({ status: 'rejected', reason: { code: 'late' } })
    expect(leader).toMatchObject({ status: 'rejected', reason: { code: 'late', message: expect.stringMatching(/this side started but the peer did not/) } })
    await expect(Promise.all([p.leader.exchange(1, { key: 'after' }), p.follower.exchange(2, { key: 'after' })])).resolves.toEqual([2, 1])
    await p.close()
  })
})
