/**
 * Agreement under abort for syncStart, aborted by either side: an abort after this side started
 * and before the peer confirmed its own start (not a test file: the *.test.ts files call it).
 *
 * The sessions run without heartbeats, so after `ready` and `start` the only frames are the ones
 * each scenario is about, and the gates can let exactly those two pass and hold the rest. To make
 * one side start late on purpose, its local clock is set back a minute at the moment the leader
 * sends `start` (the instant is picked by then, and a clock that runs behind never makes `start`
 * look late): its timer then finds the instant still a minute ahead. Without heartbeats the clock
 * estimate is not refreshed from the shifted clock.
 */
import { describe, expect, it } from 'vitest'
import { deferred } from '../../../src/base/deferred.js'
import type { SessionOptions } from '../../../src/core/options.js'
import { defaultNow } from '../../../src/clock/local-clock.js'
import type { GatedSessionPair } from '../../helpers/gated-channel.js'
import { freshKey, sides, type Role } from '../one-shot/abort-agreement-scenarios.js'
import { rejectionOf } from '../../helpers/promises.js'
import { delivered, expectKeyFree, messagesFor } from '../../helpers/session-probes.js'

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

const LEAD = { delayMs: 300 }

/** Sets `role`'s clock back a minute when the leader sends `start`: that side will start a minute late. */
function startLate(p: GatedSessionPair, clocks: ShiftablePair, role: Role): () => void {
  p.leaderGate.beforeNextSend(() => clocks.shiftClock(role, -60_000))
  return () => clocks.shiftClock(role, 0)
}

/** Lets `ready` and `start` through and holds everything each side sends after them. */
function holdAfterAgreement(p: GatedSessionPair): void {
  p.leaderGate.hold(1)
  p.followerGate.hold(1)
}

export function syncStartAbortScenarios(getPair: () => Promise<ShiftablePair>): void {
  describe.each(['leader', 'follower'] as const)('syncStart aborted by the %s', (who) => {
    const peerRole: Role = who === 'leader' ? 'follower' : 'leader'

    it('after this side started, the peer not started yet: both reject with aborted and the peer never starts', async () => {
      const clocks = await getPair()
      const p = clocks.pair
      const { me, peer } = sides(p, who)
      const key = freshKey('syncStart')
      const ac = new AbortController()
      let [mineRan, peerRan] = [0, 0]
      const restore = startLate(p, clocks, peerRole)
      try {
        const mineSide = rejectionOf(me.syncStart(() => (mineRan++, ac.abort()), { key, signal: ac.signal, ...LEAD }))
        const peerSide = rejectionOf(peer.syncStart(() => peerRan++, { key, ...LEAD }))
        expect(await mineSide).toMatchObject({ code: 'aborted', message: /this side started but the peer did not/ })
        expect(await peerSide).toMatchObject({ code: 'aborted', message: /the peer started, then was aborted before this side started/ })
      } finally {
        restore()
      }
      expect([mineRan, peerRan]).toEqual([1, 0])
      expect(messagesFor(p, key)).toBe(5) // ready, start, our done, cancel, the peer's abort
      await expectKeyFree(p, key)
    })

    it('after this side started, the peer started too and its confirmation crosses our cancel: both resolve', async () => {
      const { pair: p } = await getPair()
      const { me, peer, myGate, peerGate } = sides(p, who)
      const key = freshKey('syncStart')
      const ac = new AbortController()
      const [mineRan, peerRan] = [deferred<void>(), deferred<void>()]
      holdAfterAgreement(p)
      const mineSide = me.syncStart(() => (mineRan.resolve(), ac.abort(), 'mine'), { key, signal: ac.signal, ...LEAD })
      const peerSide = peer.syncStart(() => (peerRan.resolve(), 'theirs'), { key, ...LEAD })
      // Both started; our confirmation and cancel, and the peer's confirmation, wait at the gates.
      await Promise.all([mineRan.promise, peerRan.promise, myGate.untilHolding(2), peerGate.untilHolding(1)])
      p.leaderGate.release()
      p.followerGate.release()
      expect(await Promise.all([mineSide, peerSide])).toEqual(['mine', 'theirs'])
      expect(messagesFor(p, key)).toBe(5) // ready, start, done, done, cancel
      await expectKeyFree(p, key)
    })

    it('both abort after starting: both resolve', async () => {
      const { pair: p } = await getPair()
      const key = freshKey('syncStart')
      const [acL, acF] = [new AbortController(), new AbortController()]
      holdAfterAgreement(p)
      const leaderSide = p.leader.syncStart(() => (acL.abort(), 'L'), { key, signal: acL.signal, ...LEAD })
      const followerSide = p.follower.syncStart(() => (acF.abort(), 'F'), { key, signal: acF.signal })
      // Each side's confirmation and cancel wait at its gate: they cross.
      await Promise.all([p.leaderGate.untilHolding(2), p.followerGate.untilHolding(2)])
      p.leaderGate.release()
      p.followerGate.release()
      expect(await Promise.all([leaderSide, followerSide])).toEqual(['L', 'F'])
      expect(messagesFor(p, key)).toBe(6)
      await expectKeyFree(p, key)
    })

    it("after the peer's start was confirmed, while this side's function still runs: both resolve, nothing more is sent", async () => {
      const { pair: p } = await getPair()
      const { me, peer, peerGate } = sides(p, who)
      const key = freshKey('syncStart')
      const ac = new AbortController()
      const mine = deferred<string>()
      peerGate.hold(1)
      const mineSide = me.syncStart(() => mine.promise, { key, signal: ac.signal, ...LEAD })
      const peerSide = peer.syncStart(() => 'theirs', { key, ...LEAD })
      await peerGate.untilHolding(1) // the peer started and sent its confirmation
      peerGate.release()
      await delivered(p) // which has arrived here
      ac.abort()
      mine.resolve('mine')
      expect(await Promise.all([mineSide, peerSide])).toEqual(['mine', 'theirs'])
      expect(messagesFor(p, key)).toBe(4)
      await expectKeyFree(p, key)
    })

    it.each(['in flight', 'already here'] as const)(
      'before this side started, the peer started, its confirmation %s: both reject, the peer learns it started alone',
      async (confirmation) => {
        const clocks = await getPair()
        const p = clocks.pair
        const { me, peer, peerGate } = sides(p, who)
        const key = freshKey('syncStart')
        const ac = new AbortController()
        const peerRan = deferred<void>()
        let mineRan = 0
        const restore = startLate(p, clocks, who)
        peerGate.hold(1)
        try {
          const mineSide = rejectionOf(me.syncStart(() => mineRan++, { key, signal: ac.signal, ...LEAD }))
          const peerSide = rejectionOf(peer.syncStart(() => peerRan.resolve(), { key, ...LEAD }))
          await Promise.all([peerRan.promise, peerGate.untilHolding(1)]) // the peer started; its confirmation is held
          if (confirmation === 'already here') {
            peerGate.release()
            await delivered(p)
          }
          ac.abort()
          expect(await mineSide).toMatchObject({ code: 'aborted' })
          peerGate.release()
          expect(await peerSide).toMatchObject({ code: 'aborted', message: /this side started but the peer did not: it was aborted by the peer/ })
        } finally {
          restore()
          peerGate.release()
        }
        expect(mineRan).toBe(0)
        expect(messagesFor(p, key)).toBe(4) // ready, start, the peer's done, our abort
        await expectKeyFree(p, key)
      },
    )
  })
}
