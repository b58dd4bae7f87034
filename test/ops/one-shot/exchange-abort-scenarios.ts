/**
 * Agreement under abort for exchange, aborted by either side (see abort-agreement-scenarios.ts;
 * not a test file). An exchange sends its value at once, so every abort but one with an already
 * aborted signal comes after this side's result went out.
 */
import { describe, expect, it } from 'vitest'
import type { GatedSessionPair } from '../../helpers/gated-channel.js'
import { crossing, freshKey, sides } from './abort-agreement-scenarios.js'
import { sessionCore } from '../../../src/session.js'
import { rejectionOf } from '../../helpers/promises.js'
import { delivered, expectKeyFree, messagesFor } from '../../helpers/session-probes.js'

export function exchangeAbortScenarios(getPair: () => Promise<GatedSessionPair>): void {
  describe.each(['leader', 'follower'] as const)('exchange aborted by the %s', (who) => {
    it('after the value went out, the peer not called yet: both reject with aborted, even if the peer never calls', async () => {
      const p = await getPair()
      const { me, peer } = sides(p, who)
      const key = freshKey('exchange')
      const ac = new AbortController()
      const mineSide = me.exchange('mine', { key, signal: ac.signal })
      await delivered(p)
      ac.abort()
      expect(await rejectionOf(mineSide)).toMatchObject({ code: 'aborted' })
      // What the peer keeps for a call that may never come: one mark, no open operation.
      await delivered(p)
      expect(peer.stats).toMatchObject({ heldMessages: 1, openOperations: 0 })
      expect(sessionCore(peer).isClosed).toBe(false)
      expect(await rejectionOf(peer.exchange('theirs', { key }))).toMatchObject({ code: 'aborted' })
      expect(peer.stats.heldMessages).toBe(0)
      expect(messagesFor(p, key)).toBe(3)
      await expectKeyFree(p, key)
    })

    it('the values cross and one side aborts after sending: both get the other value (3 messages)', async () => {
      const p = await getPair()
      const { me, peer } = sides(p, who)
      const key = freshKey('exchange')
      const ac = new AbortController()
      let calls!: [Promise<unknown>, Promise<unknown>]
      crossing(p, () => {
        calls = [me.exchange('mine', { key, signal: ac.signal }), peer.exchange('theirs', { key })]
        ac.abort()
      })
      expect(await Promise.all(calls)).toEqual(['theirs', 'mine'])
      expect(messagesFor(p, key)).toBe(3)
      await expectKeyFree(p, key)
    })

    it('both abort after the values crossed: both get the other value (4 messages)', async () => {
      const p = await getPair()
      const key = freshKey('exchange')
      const [acL, acF] = [new AbortController(), new AbortController()]
      let calls!: [Promise<unknown>, Promise<unknown>]
      crossing(p, () => {
        calls = [p.leader.exchange('L', { key, signal: acL.signal }), p.follower.exchange('F', { key, signal: acF.signal })]
        for (const ac of who === 'leader' ? [acL, acF] : [acF, acL]) ac.abort()
      })
      expect(await Promise.all(calls)).toEqual(['F', 'L'])
      expect(messagesFor(p, key)).toBe(4)
      await expectKeyFree(p, key)
    })
  })
}
