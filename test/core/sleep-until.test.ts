import { describe, expect, it } from 'vitest'
import { isNetError } from '../../src/base/errors.js'
import { defaultNow } from '../../src/clock/local-clock.js'
import { Session } from '../../src/session.js'
import { memoryPair } from '../../src/transport/memory.js'

/** A leader, and a follower whose local clock runs 10 s ahead: only the shared timeline agrees. */
async function skewedPair(): Promise<[leader: Session, follower: Session]> {
  const [a, b] = memoryPair({ latencyMs: 1 })
  const ahead = () => defaultNow() + 10_000
  return Promise.all([Session.open(a, { role: 'leader' }), Session.open(b, { role: 'follower', now: ahead })])
}

describe('session.sleepUntil', () => {
  it('wakes on the shared timeline, not on the local clock', async () => {
    const [leader, follower] = await skewedPair()
    try {
      // On the follower's local clock this instant passed 10 s ago; on the shared one it is ahead.
      const at = follower.now() + 40
      const lateMs = await follower.sleepUntil(at)
      expect(follower.now()).toBeGreaterThanOrEqual(at)
      expect(lateMs).toBeGreaterThanOrEqual(0)
    } finally {
      await Promise.all([leader.close(), follower.close()])
    }
  })

  it('resolves at once, with how late it is, for an instant already past', async () => {
    const [leader, follower] = await skewedPair()
    try {
      expect(await follower.sleepUntil(follower.now() - 100)).toBeGreaterThanOrEqual(100)
    } finally {
      await Promise.all([leader.close(), follower.close()])
    }
  })

  it('rejects with NetError aborted when its signal aborts first', async () => {
    const [leader, follower] = await skewedPair()
    try {
      const controller = new AbortController()
      const sleeping = follower.sleepUntil(follower.now() + 60_000, { signal: controller.signal })
      controller.abort()
      const err = await sleeping.then(() => undefined, (e: unknown) => e)
      expect(isNetError(err, 'aborted')).toBe(true)
    } finally {
      await Promise.all([leader.close(), follower.close()])
    }
  })
})
