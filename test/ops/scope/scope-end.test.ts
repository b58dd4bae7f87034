import { afterEach, describe, expect, it } from 'vitest'
import { memorySessions, type SessionPair } from '../../helpers/session-pair.js'
import { rejectionOf, stateOf } from '../../helpers/promises.js'
import { prng, randomInt, seedFromEnv } from '../../helpers/prng.js'
import { sessionCore, type Session } from '../../../src/session.js'
import type { Scope } from '../../../src/scope.js'
import { expectAllRejected, pendingEverything } from './scope-helpers.js'

let pair: SessionPair | undefined
afterEach(async () => {
  await pair?.close()
  pair = undefined
})

function scopesLeft(...sessions: Session[]): number {
  return sessions.reduce((n, s) => n + sessionCore(s).scopes.size, 0)
}

describe('ending a scope while every kind of call is pending', () => {
  it.each(['leader', 'follower'] as const)('reset by the %s rejects every pending call on both sides with aborted and the reason', async (resetter) => {
    pair = await memorySessions({ latencyMs: 2 })
    const ls = pair.leader.scope('game')
    const fs = pair.follower.scope('game')
    const leaderCalls = await pendingEverything(ls, fs, 'L')
    const followerCalls = await pendingEverything(fs, ls, 'F')
    for (const call of [...Object.values(leaderCalls), ...Object.values(followerCalls)]) expect(await stateOf(call)).toBe('pending')
    const resetting = (resetter === 'leader' ? ls : fs).reset('the player left')
    await expectAllRejected(leaderCalls, 'aborted', 'the player left')
    await expectAllRejected(followerCalls, 'aborted', 'the player left')
    await Promise.all([resetting, ls.closed, fs.closed])
    expect([ls.isClosed, fs.isClosed]).toEqual([true, true])
    expect(scopesLeft(pair.leader, pair.follower)).toBe(0)
    // Nothing of the scope is left open or held, and the session goes on.
    for (const s of [pair.leader, pair.follower]) expect(s.stats).toMatchObject({ openOperations: 0, heldMessages: 0, heldBytes: 0 })
    expect(await Promise.all([pair.leader.exchange('a'), pair.follower.exchange('b')])).toEqual(['b', 'a'])
    // A call in the reset scope rejects at once; the name is free for a new scope.
    await rejectionOf(ls.join(async () => 1), 'aborted')
    expect(() => ls.channel('late')).toThrow(/the player left/)
    const again = [pair.leader.scope('game'), pair.follower.scope('game')]
    expect(await Promise.all([again[0]!.exchange(1), again[1]!.exchange(2)])).toEqual([2, 1])
  })

  it.each(['leader', 'follower'] as const)('close by the %s: the calls the closer never made reject with closed on the peer; both closes resolve', async (closer) => {
    pair = await memorySessions({ latencyMs: 2 })
    const ls = pair.leader.scope('game')
    const fs = pair.follower.scope('game')
    const [closing, other] = closer === 'leader' ? [ls, fs] : [fs, ls]
    const otherCalls = await pendingEverything(other, closing, 'O')
    // The closer's own channels and locks close with it; its close resolves once the peer answered.
    await closing.close()
    await expectAllRejected(otherCalls, 'closed', 'closed')
    await other.close()
    expect(scopesLeft(pair.leader, pair.follower)).toBe(0)
    await rejectionOf(closing.exchange(1), 'closed')
  })

  it('close waits for this side\'s running calls, which complete normally on both sides', async () => {
    pair = await memorySessions({ latencyMs: 2 })
    const ls = pair.leader.scope('s')
    const fs = pair.follower.scope('s')
    let release!: () => void
    const slow = new Promise<string>((resolve) => (release = () => resolve('done')))
    const leaderJoin = ls.join(() => slow)
    const followerJoin = fs.join(async () => 'quick')
    const closing = ls.close()
    await rejectionOf(ls.exchange(1), 'closed') // no new calls once closing
    expect(await stateOf(closing)).toBe('pending')
    release()
    expect(await Promise.all([leaderJoin, followerJoin])).toEqual(['done', 'quick'])
    await Promise.all([closing, fs.close()])
    expect(scopesLeft(pair.leader, pair.follower)).toBe(0)
  })

  it('a reset cuts short a close that waits for a call the peer never makes', async () => {
    pair = await memorySessions({ latencyMs: 1 })
    const ls = pair.leader.scope('stuck')
    const fs = pair.follower.scope('stuck')
    const waiting = ls.exchange(1) // the follower never exchanges
    waiting.catch(() => undefined)
    const closing = ls.close()
    expect(await stateOf(closing)).toBe('pending')
    await ls.reset('gave up waiting')
    expect((await rejectionOf(waiting, 'aborted')).message).toContain('gave up waiting')
    await Promise.all([closing, fs.closed])
    expect(scopesLeft(pair.leader, pair.follower)).toBe(0)
  })

  it('a scope signal resets it; a reset parent resets its children; names are busy until the scope is over', async () => {
    pair = await memorySessions({ latencyMs: 1 })
    const controller = new AbortController()
    const ls = pair.leader.scope('p', { signal: controller.signal })
    const fs = pair.follower.scope('p')
    const child = ls.scope('c')
    expect(() => pair!.leader.scope('p')).toThrow(/in use/)
    const pendingInChild = fs.scope('c').exchange(1)
    pendingInChild.catch(() => undefined)
    controller.abort(new Error('timed out'))
    const err = await rejectionOf(pendingInChild, 'aborted')
    expect(err.message).toContain('timed out')
    await rejectionOf(child.join(async () => 1), 'aborted')
    await Promise.all([ls.closed, fs.closed, child.closed])
    expect(scopesLeft(pair.leader, pair.follower)).toBe(0)
  })
})

describe('both sides agree on every one-shot outcome when a scope ends under them', () => {
  const seed = seedFromEnv()
  it(`joins and exchanges racing a reset from either side (SEED=${seed})`, async () => {
    console.log(`scope reset agreement: SEED=${seed}`)
    const random = prng(seed)
    pair = await memorySessions({ latencyMs: 2, jitterMs: 2, random: prng(seed + 1) })
    let fulfilled = 0
    let rejected = 0
    for (let round = 0; round < 30; round++) {
      const ls = pair.leader.scope(`r${round}`)
      const fs = pair.follower.scope(`r${round}`)
      const delay = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, randomInt(random, 0, 6)))
      const calls = Array.from({ length: 6 }, (_, i) => {
        const key = `k${i}`
        const kind = i % 3
        const run = (s: Scope, v: number): Promise<unknown> =>
          kind === 0 ? s.join(async () => (await delay(), v), { key }) : kind === 1 ? s.tryJoin(async () => (await delay(), v), { key }) : s.exchange(v, { key })
        return [stateAfter(run(ls, 1)), stateAfter(run(fs, 2))] as const
      })
      await delay()
      const resetter = random() < 0.5 ? ls : fs
      await resetter.reset(`round ${round}`)
      for (const [a, b] of calls) {
        const [x, y] = await Promise.all([a, b])
        expect(x, `round ${round}: both sides agree`).toBe(y)
        if (x === 'fulfilled') fulfilled++
        else rejected++
      }
      await Promise.all([ls.closed, fs.closed])
    }
    console.log(`scope reset agreement: ${fulfilled} call pairs fulfilled, ${rejected} rejected`)
    expect(scopesLeft(pair.leader, pair.follower)).toBe(0)
  })
})

function stateAfter(p: Promise<unknown>): Promise<'fulfilled' | 'rejected'> {
  return p.then(
    () => 'fulfilled' as const,
    () => 'rejected' as const,
  )
}
