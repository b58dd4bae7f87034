import { describe, expect, it } from 'vitest'
import { defaultNow } from '../../src/clock/local-clock.js'
import { NetError } from '../../src/base/errors.js'
import { memorySessions } from '../helpers/session-pair.js'
import { rejectionOf } from '../helpers/promises.js'

/** Float rounding near 1.7e12 ms. */
const EPS = 1e-3

describe('session.sleepUntil: waiting on the shared timeline', () => {
  // The follower's local clock is far off the leader's: a sleep on the local clock would wake the
  // follower at once (ahead) or 10 s late (behind), and the bounds below would fail.
  for (const skew of [10_000, -10_000]) {
    it(`both sides wake at the same shared instant, not before it (follower's clock ${skew > 0 ? 'ahead' : 'behind'})`, async () => {
      const p = await memorySessions({ latencyMs: 1 }, { follower: { now: () => defaultNow() + skew } })
      try {
        const at = p.leader.now() + 60
        // The leader's clock is the shared timeline's truth: read it the moment each side wakes.
        const wake = (side: typeof p.leader) =>
          side.sleepUntil(at).then((late) => ({ late, truth: p.leader.now(), bound: side.clock.errorBoundMs }))
        const [leader, follower] = await Promise.all([wake(p.leader), wake(p.follower)])
        expect(leader.late).toBeGreaterThanOrEqual(0)
        expect(follower.late).toBeGreaterThanOrEqual(0)
        expect(leader.truth).toBeGreaterThanOrEqual(at)
        // The follower knows the shared timeline only within its clock's error bound.
        expect(follower.truth, `follower woke ${at - follower.truth} ms early, bound ${follower.bound}`).toBeGreaterThanOrEqual(
          at - follower.bound - EPS,
        )
        // Nor 10 s late, as a sleep on its own clock would when behind; the margin is the injected
        // skew's, not a guess at how fast this machine is.
        expect(follower.truth - at).toBeLessThan(Math.abs(skew) / 2)
      } finally {
        await p.close()
      }
    })
  }

  it('an instant already past resolves at once with how late it is', async () => {
    const p = await memorySessions()
    try {
      const at = p.follower.now() - 500
      const late = await p.follower.sleepUntil(at)
      expect(late).toBeGreaterThanOrEqual(500)
      expect(late).toBeLessThanOrEqual(p.follower.now() - at + EPS)
    } finally {
      await p.close()
    }
  })

  it('rejects with NetError aborted when its signal aborts, and at once for a signal aborted before', async () => {
    const p = await memorySessions()
    try {
      const controller = new AbortController()
      const sleeping = rejectionOf(p.follower.sleepUntil(p.follower.now() + 60_000, { signal: controller.signal }), 'aborted')
      const other = p.leader.sleepUntil(p.leader.now() + 50)
      controller.abort()
      await sleeping
      // The other sleep, and the session, carry on.
      expect(await other).toBeGreaterThanOrEqual(0)
      await rejectionOf(p.follower.sleepUntil(p.follower.now() + 50, { signal: controller.signal }), 'aborted')
      const reason = new NetError('timeout', 'gave up')
      expect(await rejectionOf(p.leader.sleepUntil(p.leader.now() + 60_000, { signal: AbortSignal.abort(reason) }))).toBe(reason)
    } finally {
      await p.close()
    }
  })

  it("rejects with the session's close reason when the session closes, or had closed", async () => {
    const p = await memorySessions()
    const mine = rejectionOf(p.leader.sleepUntil(p.leader.now() + 60_000), 'closed')
    const theirs = rejectionOf(p.follower.sleepUntil(p.follower.now() + 60_000), 'closed')
    await p.leader.close()
    const [here, there] = await Promise.all([mine, theirs])
    expect(here).toBe(await p.leader.closed)
    expect(there).toBe(await p.follower.closed)
    const after = await rejectionOf(p.leader.sleepUntil(p.leader.now() + 10))
    expect(after).toBe(await p.leader.closed)
  })

  it('refuses an instant that is not a finite number, and a bad signal, with NetError usage', async () => {
    const p = await memorySessions()
    try {
      for (const at of [Number.NaN, Infinity, '5' as unknown as number, undefined as unknown as number]) {
        const err = await rejectionOf(p.leader.sleepUntil(at), 'usage')
        expect(err.message).toMatch(/session\.sleepUntil/)
      }
      const badSignal = { signal: new AbortController() as unknown as AbortSignal }
      await rejectionOf(p.leader.sleepUntil(p.leader.now(), badSignal), 'usage')
      await rejectionOf(p.leader.sleepUntil(p.leader.now(), null as never), 'usage')
    } finally {
      await p.close()
    }
  })
})
