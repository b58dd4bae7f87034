/**
 * Agreement under abort for join, tryJoin, select and trySelect (exchange: see
 * exchange-abort-scenarios.ts): each interleaving of an abort with the peer's progress, aborted
 * by either side, ends with both sides agreeing. The interleavings are forced with gates on the
 * sending sides and delivery barriers, never with sleeps, so the suite runs over the memory pair
 * and over real WebRTC alike (not a test file: the *.test.ts files call it).
 */
import { describe, expect, it } from 'vitest'
import type { Session } from '../../../src/session.js'
import type { SelectResult } from '../../../src/ops/one-shot/select.js'
import type { GatedChannel, GatedSessionPair } from '../../helpers/gated-channel.js'
import { manualTask, RacerError } from './op-helpers.js'
import { rejectionOf, stateOf } from '../../helpers/promises.js'
import { delivered, expectKeyFree, messagesFor } from '../../helpers/session-probes.js'

export type Role = 'leader' | 'follower'
type Kind = 'join' | 'tryJoin' | 'select' | 'trySelect'

/** The aborting side ("me") and its peer, with the gates on their sending sides. */
export function sides(p: GatedSessionPair, who: Role): { me: Session; peer: Session; myGate: GatedChannel; peerGate: GatedChannel } {
  return who === 'leader'
    ? { me: p.leader, peer: p.follower, myGate: p.leaderGate, peerGate: p.followerGate }
    : { me: p.follower, peer: p.leader, myGate: p.followerGate, peerGate: p.leaderGate }
}

let keys = 0
/** A key no other test uses, so that one session pair can run the whole suite. */
export function freshKey(name: string): string {
  return `agree:${name}:${++keys}`
}

/** Holds both sides' sending gates while `act` runs, then lets everything cross. */
export function crossing(p: GatedSessionPair, act: () => void): void {
  p.leaderGate.hold()
  p.followerGate.hold()
  try {
    act()
  } finally {
    p.leaderGate.release()
    p.followerGate.release()
  }
}

/** Both select results agree: exactly one side won, with its own value. */
function expectOneWinner(mine: SelectResult<string>, theirs: SelectResult<string>): void {
  expect(mine.won).not.toBe(theirs.won)
  expect(mine.won ? mine : theirs).toEqual({ won: true, value: mine.won ? 'mine' : 'theirs' })
}

/** A function that finishes at once and leaves a peer that receives its result still running. */
function finishingTask(kind: Kind): () => string {
  // In trySelect only a success wins at once; a failure leaves the peer running.
  if (kind === 'trySelect') return () => { throw new RacerError('mine failed') }
  return () => 'mine'
}

export function abortAgreementScenarios(getPair: () => Promise<GatedSessionPair>): void {
  describe.each(['leader', 'follower'] as const)('aborted by the %s', (who) => {
    describe.each(['join', 'tryJoin', 'select', 'trySelect'] as const)('%s', (kind) => {
      it("abort before this side finished, the peer's result in flight: both reject with aborted (2 messages)", async () => {
        const p = await getPair()
        const { me, peer, peerGate } = sides(p, who)
        const key = freshKey(kind)
        const ac = new AbortController()
        const mine = manualTask<string>()
        const mineSide = me[kind](mine.fn, { key, signal: ac.signal })
        peerGate.hold()
        const theirsSide = rejectionOf(peer[kind](() => 'theirs', { key }))
        ac.abort()
        expect(await rejectionOf(mineSide)).toMatchObject({ code: 'aborted' })
        expect(mine.signal?.aborted).toBe(true)
        peerGate.release()
        expect(await theirsSide).toMatchObject({ code: 'aborted', message: /aborted by the peer/ })
        expect(messagesFor(p, key)).toBe(2)
        await expectKeyFree(p, key)
      })

      it('abort after this side finished, the peer not opened yet: both reject with aborted, the peer never runs its function', async () => {
        const p = await getPair()
        const { me, peer } = sides(p, who)
        const key = freshKey(kind)
        const ac = new AbortController()
        const mineSide = me[kind](() => 'mine', { key, signal: ac.signal })
        await delivered(p) // our result waits at the peer, which has not called yet
        expect(peer.stats.heldMessages).toBe(1)
        ac.abort(new Error('gave up'))
        // Settles without the peer ever calling: the peer's session answers for it.
        expect(await rejectionOf(mineSide)).toMatchObject({ code: 'aborted', cause: new Error('gave up') })
        expect(peer.stats.heldMessages).toBe(1) // a mark in place of our result
        let calls = 0
        const theirsSide = peer[kind](() => `theirs ${++calls}`, { key })
        expect(await rejectionOf(theirsSide)).toMatchObject({ code: 'aborted', message: /aborted by the peer before it was called here/ })
        expect(calls).toBe(0)
        expect(peer.stats.heldMessages).toBe(0)
        expect(messagesFor(p, key)).toBe(3) // our result, cancel, the peer session's answer
        await expectKeyFree(p, key)
      })

      it('the results cross and one side aborts after its result went out: both settle normally (3 messages)', async () => {
        const p = await getPair()
        const { me, peer } = sides(p, who)
        const key = freshKey(kind)
        const ac = new AbortController()
        let calls!: [Promise<unknown>, Promise<unknown>]
        crossing(p, () => {
          calls = [me[kind](() => 'mine', { key, signal: ac.signal }), peer[kind](() => 'theirs', { key })]
          ac.abort() // after our result went out, before the peer's arrived
        })
        // The peer settled on our result before it could see the cancel: its outcome stands.
        const [mine, theirs] = await Promise.all(calls)
        if (kind === 'join' || kind === 'tryJoin') expect([mine, theirs]).toEqual(['mine', 'theirs'])
        else expectOneWinner(mine as SelectResult<string>, theirs as SelectResult<string>)
        expect(messagesFor(p, key)).toBe(3)
        await expectKeyFree(p, key)
      })

      it('both abort after their results crossed: both settle normally (4 messages)', async () => {
        const p = await getPair()
        const key = freshKey(kind)
        const [acL, acF] = [new AbortController(), new AbortController()]
        let calls!: [Promise<unknown>, Promise<unknown>]
        crossing(p, () => {
          calls = [p.leader[kind](() => 'mine', { key, signal: acL.signal }), p.follower[kind](() => 'theirs', { key, signal: acF.signal })]
          for (const ac of who === 'leader' ? [acL, acF] : [acF, acL]) ac.abort()
        })
        const [leader, follower] = await Promise.all(calls)
        if (kind === 'join' || kind === 'tryJoin') expect([leader, follower]).toEqual(['mine', 'theirs'])
        else expectOneWinner(leader as SelectResult<string>, follower as SelectResult<string>)
        expect(messagesFor(p, key)).toBe(4)
        await expectKeyFree(p, key)
      })
    })

    describe.each(['join', 'tryJoin', 'trySelect'] as const)('%s', (kind) => {
      it('abort after this side finished, the peer still running: both reject with aborted, one extra message', async () => {
        const p = await getPair()
        const { me, peer } = sides(p, who)
        const key = freshKey(kind)
        const ac = new AbortController()
        const theirs = manualTask<string>()
        const mineSide = me[kind](finishingTask(kind), { key, signal: ac.signal })
        const theirsSide = peer[kind](theirs.fn, { key })
        await delivered(p) // the peer has our result and runs on
        expect(await stateOf(theirsSide)).toBe('pending')
        ac.abort(new Error('gave up'))
        const [mineErr, theirsErr] = await Promise.all([rejectionOf(mineSide), rejectionOf(theirsSide)])
        expect(mineErr).toMatchObject({ code: 'aborted', cause: new Error('gave up') })
        expect(theirsErr).toMatchObject({ code: 'aborted', message: /aborted by the peer/ })
        expect(theirs.signal?.aborted).toBe(true)
        expect(messagesFor(p, key)).toBe(3) // our result, cancel, the peer's abort
        await expectKeyFree(p, key)
      })

      it('both abort, the peer before its function finished and this side after: both reject with aborted', async () => {
        const p = await getPair()
        const { me, peer, peerGate } = sides(p, who)
        const key = freshKey(kind)
        const [acMe, acPeer] = [new AbortController(), new AbortController()]
        const mineSide = rejectionOf(me[kind](finishingTask(kind), { key, signal: acMe.signal }))
        const theirsSide = rejectionOf(peer[kind](manualTask<string>().fn, { key, signal: acPeer.signal }))
        await delivered(p)
        peerGate.hold()
        acPeer.abort() // its `abort` is held at its gate
        expect(await theirsSide).toMatchObject({ code: 'aborted' })
        acMe.abort() // our cancel crosses the peer's abort
        peerGate.release()
        expect(await mineSide).toMatchObject({ code: 'aborted' })
        expect(messagesFor(p, key)).toBe(3)
        await expectKeyFree(p, key)
      })
    })

    it.each(['select', 'trySelect'] as const)("%s: the peer lost to our result and its answer crosses our cancel: this side wins", async (kind) => {
      const p = await getPair()
      const { me, peer, peerGate } = sides(p, who)
      const key = freshKey(kind)
      const ac = new AbortController()
      const theirs = manualTask<string>()
      peerGate.hold()
      const theirsSide = peer[kind](theirs.fn, { key })
      const mineSide = me[kind](() => 'mine', { key, signal: ac.signal })
      expect(await theirsSide).toEqual({ won: false }) // it lost on our result; its `yield` is held
      expect(theirs.signal?.aborted).toBe(true)
      ac.abort()
      peerGate.release()
      expect(await mineSide).toEqual({ won: true, value: 'mine' })
      expect(messagesFor(p, key)).toBe(3)
      await expectKeyFree(p, key)
    })

    it('tryJoin: the peer failed fast while our result and cancel were in flight: both reject', async () => {
      const p = await getPair()
      const { me, peer } = sides(p, who)
      const key = freshKey('tryJoin')
      const ac = new AbortController()
      let calls!: [Promise<unknown>, Promise<unknown>]
      crossing(p, () => {
        calls = [
          rejectionOf(me.tryJoin(() => 'mine', { key, signal: ac.signal })),
          rejectionOf(peer.tryJoin(() => { throw new RacerError('peer failed') }, { key })),
        ]
        ac.abort()
      })
      const [mineErr, theirsErr] = await Promise.all(calls)
      expect(theirsErr).toBeInstanceOf(RacerError) // it settled on its own failure at once
      expect(mineErr).toMatchObject({ code: 'remote', remoteMessage: 'peer failed' })
      expect(messagesFor(p, key)).toBe(3)
      await expectKeyFree(p, key)
    })
  })
}
