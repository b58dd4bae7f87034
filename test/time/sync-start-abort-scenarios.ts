/**
 * Agreement under abort for syncStart, aborted by either side: an abort after this side started
 * and before the peer confirmed its own start (not a test file: the *.test.ts files call it).
 *
 * To make the peer start late on purpose, its local clock is set back once the instant is
 * agreed: its timer then finds the instant still ahead and sleeps again. The sessions run without
 * heartbeats during these tests, so the clock estimate is not refreshed from the shifted clock.
 */
import { describe, expect, it } from 'vitest'
import { deferred } from '../../src/internal/deferred.js'
import type { SessionOptions } from '../../src/session/options.js'
import { defaultNow } from '../../src/time/local-clock.js'
import type { GatedSessionPair } from '../helpers/gated-channel.js'
import { crossing, freshKey, sides, type Role } from '../sync/abort-agreement-scenarios.js'
import { delivered, expectKeyFree, messagesFor, rejectionOf } from '../sync/op-helpers.js'

/** A gated session pair whose local clocks a test can set back or forward (ms). */
export interface ShiftablePair {
  readonly pair: GatedSessionPair
  shiftClock(role: Role, ms: number): void
}

/** Session options for both sides of a {@link ShiftablePair}: shiftable clocks, no heartbeats. */
export function shiftableClocks(): { shiftClock(role: Role, ms: number): void; options: { leader: SessionOptions; follower: SessionOptions } } {
  const shift = { leader: 0, follower: 0 }
  const quiet = { heartbeatMs: 60_000, timeoutMs: 120_000 }
  return {
    shiftClock: (role, ms) => void (shift[role] = ms),
    options: {
      leader: { ...quiet, now: () => defaultNow() + shift.leader },
      follower: { ...quiet, now: () => defaultNow() + shift.follower },
    },
  }
}

const LEAD = { delayMs: 200 }

export function syncStartAbortScenarios(getPair: () => Promise<ShiftablePair>): void {
  describe.each(['leader', 'follower'] as const)('syncStart aborted by the %s', (who) => {
    const peerRole: Role = who === 'leader' ? 'follower' : 'leader'

    it('after this side started, the peer not started yet: both reject with aborted and the peer never starts', async () => {
      const { pair: p, shiftClock } = await getPair()
      const { me, peer } = sides(p, who)
      const key = freshKey('syncStart')
      const ac = new AbortController()
      let [mineRan, peerRan] = [0, 0]
      const mineSide = rejectionOf(me.syncStart(() => (mineRan++, ac.abort()), { key, signal: ac.signal, ...LEAD }))
      const peerSide = rejectionOf(peer.syncStart(() => peerRan++, { key, ...LEAD }))
      await delivered(p) // `ready` and `start` arrived: both wait for the agreed instant
      shiftClock(peerRole, -60_000) // the peer would now start a minute late
      try {
        expect(await mineSide).toMatchObject({ code: 'aborted', message: /this side started but the peer did not/ })
        expect(await peerSide).toMatchObject({ code: 'aborted', message: /the peer started, then was aborted before this side started/ })
      } finally {
        shiftClock(peerRole, 0)
      }
      expect([mineRan, peerRan]).toEqual([1, 0])
      expect(messagesFor(p, key)).toBe(5) // ready, start, our done, cancel, the peer's abort
      await expectKeyFree(p, key)
    })

    it("after this side started, the peer started too and its confirmation crosses our cancel: both resolve", async () => {
      const { pair: p } = await getPair()
      const { me, peer, myGate } = sides(p, who)
      const key = freshKey('syncStart')
      const ac = new AbortController()
      const [mineRan, peerRan] = [deferred<void>(), deferred<void>()]
      const mineSide = me.syncStart(() => (mineRan.resolve(), ac.abort(), 'mine'), { key, signal: ac.signal, ...LEAD })
      const peerSide = peer.syncStart(() => (peerRan.resolve(), 'theirs'), { key, ...LEAD })
      await delivered(p)
      // The peer's confirmation waits at its gate until ours and our cancel are out, and it has started.
      p.leaderGate.hold()
      p.followerGate.hold()
      await Promise.all([mineRan.promise, peerRan.promise, myGate.untilHolding(2)])
      crossing(p, () => {})
      expect(await Promise.all([mineSide, peerSide])).toEqual(['mine', 'theirs'])
      expect(messagesFor(p, key)).toBe(5) // ready, start, done, done, cancel
      await expectKeyFree(p, key)
    })

    it('both abort after starting: both resolve', async () => {
      const { pair: p } = await getPair()
      const key = freshKey('syncStart')
      const [acL, acF] = [new AbortController(), new AbortController()]
      const [leaderRan, followerRan] = [deferred<void>(), deferred<void>()]
      const leaderSide = p.leader.syncStart(() => (leaderRan.resolve(), acL.abort(), 'L'), { key, signal: acL.signal, ...LEAD })
      const followerSide = p.follower.syncStart(() => (followerRan.resolve(), acF.abort(), 'F'), { key, signal: acF.signal })
      await delivered(p)
      p.leaderGate.hold()
      p.followerGate.hold()
      // Each side's confirmation and cancel wait at its gate: they cross.
      await Promise.all([leaderRan.promise, followerRan.promise, p.leaderGate.untilHolding(2), p.followerGate.untilHolding(2)])
      crossing(p, () => {})
      expect(await Promise.all([leaderSide, followerSide])).toEqual(['L', 'F'])
      expect(messagesFor(p, key)).toBe(6)
      await expectKeyFree(p, key)
    })

    it("after the peer's start was confirmed, while this side's function still runs: both resolve, nothing more is sent", async () => {
      const { pair: p } = await getPair()
      const { me, peer } = sides(p, who)
      const key = freshKey('syncStart')
      const ac = new AbortController()
      const mine = deferred<string>()
      const mineSide = me.syncStart(() => mine.promise, { key, signal: ac.signal, ...LEAD })
      expect(await peer.syncStart(() => 'theirs', { key, ...LEAD })).toBe('theirs')
      await delivered(p) // the peer's confirmation has arrived here too
      ac.abort()
      mine.resolve('mine')
      expect(await mineSide).toBe('mine')
      expect(messagesFor(p, key)).toBe(4)
      await expectKeyFree(p, key)
    })

    it.each(['in flight', 'already here'] as const)('before this side started, the peer started, its confirmation %s: both reject, the peer learns it started alone', async (confirmation) => {
      const { pair: p, shiftClock } = await getPair()
      const { me, peer, peerGate } = sides(p, who)
      const key = freshKey('syncStart')
      const ac = new AbortController()
      const peerRan = deferred<void>()
      let mineRan = 0
      const mineSide = rejectionOf(me.syncStart(() => mineRan++, { key, signal: ac.signal, ...LEAD }))
      const peerSide = rejectionOf(peer.syncStart(() => peerRan.resolve(), { key, ...LEAD }))
      await delivered(p)
      shiftClock(who, -60_000) // this side would start a minute late
      peerGate.hold()
      try {
        await Promise.all([peerRan.promise, peerGate.untilHolding(1)]) // the peer started; its `done` is held
        if (confirmation === 'already here') {
          peerGate.release()
          await delivered(p)
        }
        ac.abort()
        expect(await mineSide).toMatchObject({ code: 'aborted' })
      } finally {
        shiftClock(who, 0)
        peerGate.release()
      }
      expect(await peerSide).toMatchObject({ code: 'aborted', message: /this side started but the peer did not: it was aborted by the peer/ })
      expect(mineRan).toBe(0)
      expect(messagesFor(p, key)).toBe(4) // ready, start, the peer's done, our abort
      await expectKeyFree(p, key)
    })
  })
}
