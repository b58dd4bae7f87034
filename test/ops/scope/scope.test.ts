import { afterEach, describe, expect, it } from 'vitest'
import { memorySessions, type SessionPair } from '../../helpers/session-pair.js'
import { sessionCore } from '../../../src/session.js'
import { isNetError, NetError } from '../../../src/base/errors.js'
import { rejectionOf } from '../../helpers/promises.js'

let pair: SessionPair | undefined
afterEach(async () => {
  await pair?.close()
  pair = undefined
})

/** How a promise settled, without letting a rejection go unhandled. */
function outcome<T>(p: Promise<T>): Promise<{ ok: true; value: T } | { ok: false; error: unknown }> {
  return p.then(
    (value) => ({ ok: true as const, value }),
    (error: unknown) => ({ ok: false as const, error }),
  )
}

describe('scopes', () => {
  it('keeps each scope its own key space: the same default and explicit keys in two scopes and the root never pair across', async () => {
    pair = await memorySessions({ latencyMs: 1 })
    const { leader, follower } = pair
    const [la, lb] = [leader.scope('a'), leader.scope('b')]
    const [fa, fb] = [follower.scope('a'), follower.scope('b')]
    // The leader calls in the order a, b, root; the follower in root, b, a: default keys pair per scope.
    const leaderSide = Promise.all([la.exchange('L-a'), lb.exchange('L-b'), leader.exchange('L-root'), la.exchange('L-a2', { key: 'k' }), lb.exchange('L-b2', { key: 'k' })])
    const followerSide = Promise.all([follower.exchange('F-root'), fb.exchange('F-b'), fa.exchange('F-a'), fb.exchange('F-b2', { key: 'k' }), fa.exchange('F-a2', { key: 'k' })])
    expect(await leaderSide).toEqual(['F-a', 'F-b', 'F-root', 'F-a2', 'F-b2'])
    expect(await followerSide).toEqual(['L-root', 'L-b', 'L-a', 'L-b2', 'L-a2'])
    await Promise.all([la.close(), lb.close(), fa.close(), fb.close()])
    expect(sessionCore(leader).scopes.size + sessionCore(follower).scopes.size).toBe(0)
  })

  it('opens a scope with no message: the first operation in it carries its name', async () => {
    pair = await memorySessions()
    pair.resetCounts()
    const ls = pair.leader.scope('quiet')
    const fq = pair.follower.scope('quiet')
    const fs = fq.scope('deeper')
    expect(pair.totalMessages()).toBe(0)
    const [a, b] = await Promise.all([ls.scope('deeper').join(async () => 1), fs.join(async () => 2)])
    expect([a, b]).toEqual([1, 2])
    expect(pair.totalMessages()).toBe(2)
    // The leader's close of quiet closes its child too; the follower answers both.
    await Promise.all([ls.close(), fq.close()])
    expect(sessionCore(pair.leader).scopes.size + sessionCore(pair.follower).scopes.size).toBe(0)
  })

  it('a key in use within a scope is a usage error naming the scope path', async () => {
    pair = await memorySessions()
    const inner = pair.leader.scope('outer').scope('inner')
    inner.channel('c')
    expect(() => inner.channel('c')).toThrow(/"outer\/inner\/c" is already in use/)
    expect(() => pair!.leader.scope('bad\u0000name')).toThrow(/without U\+0000/)
    expect(() => inner.mutex('k\u0000')).toThrow(/without U\+0000/)
    let deep = pair.leader.scope('d0')
    for (let i = 1; i < 32; i++) deep = deep.scope(`d${i}`)
    expect(() => deep.scope('one-too-many')).toThrow(/nest at most 32 deep/)
  })

  it('reset rejects the calls pending on both sides with aborted carrying the reason; a call already paired keeps its result', async () => {
    pair = await memorySessions({ latencyMs: 2 })
    const ls = pair.leader.scope('r')
    const fs = pair.follower.scope('r')
    const leaderJoin = outcome(ls.join(() => new Promise(() => {}))) // the follower never joins
    const followerExchange = outcome(fs.exchange(1))
    const followerRead = outcome(fs.channel<number>('ch')[Symbol.asyncIterator]().next())
    expect(await ls.exchange(2)).toBe(1) // pairs with the follower's exchange before the reset
    await ls.reset('game over')
    const [join, exchange, read] = await Promise.all([leaderJoin, followerExchange, followerRead])
    expect(join.ok).toBe(false)
    expect(isNetError((join as { error: unknown }).error, 'aborted')).toBe(true)
    expect((join as { error: NetError }).error.message).toContain('game over')
    expect(exchange).toEqual({ ok: true, value: 2 })
    expect(read.ok).toBe(false)
    expect((read as { error: NetError }).error.message).toContain('was reset by the peer: game over')
  })
})

describe('syncStart in scopes', () => {
  it("batches a follower's burst of calls per session, across its scopes: the lead covers the whole burst", async () => {
    pair = await memorySessions()
    const N = 800 // the follower asks for 1 ms per call of a burst: 800 ms, far above any other lead here
    const spaces = Array.from({ length: N }, (_, i) => [pair!.leader.scope(`s${i}`), pair!.follower.scope(`s${i}`)] as const)
    const leaderCalls = spaces.map(([l]) => l.syncStart(({ at }) => at, { delayMs: 1 }))
    const calledAt = pair.follower.now()
    const followerCalls = spaces.map(([, f]) => f.syncStart(({ at }) => at, { delayMs: 1 }))
    const [ats] = await Promise.all([Promise.all(followerCalls), Promise.all(leaderCalls)])
    // Batched per scope instead, each ready would ask for 1 ms and the first start come within a few ms.
    expect(Math.min(...ats) - calledAt).toBeGreaterThanOrEqual(N * 0.9)
    await Promise.all(spaces.flat().map((s) => s.close()))
  }, 30_000)
})

/** Resolves once everything either side sent has been handled by the other (an exchange round trip in the root). */
async function sessionCoreDelivered(p: SessionPair): Promise<void> {
  await Promise.all([p.leader.exchange(0), p.follower.exchange(0)])
}

describe('rpc in scopes', () => {
  interface WhereApi {
    where(): string
    wait(): Promise<never>
  }

  it('each scope serves its own services: the same name in the root and two scopes reaches its own handler; a reset rejects a pending call', async () => {
    pair = await memorySessions({ latencyMs: 1 })
    const { leader, follower } = pair
    const [la0, fa0] = [leader.scope('a'), follower.scope('a')]
    const spaces = [
      ['root', leader, follower],
      ['a', la0, fa0],
      ['a/b', la0.scope('b'), fa0.scope('b')],
    ] as const
    for (const [tag, , served] of spaces) served.rpc<WhereApi>('svc').handle({ where: () => tag, wait: () => new Promise<never>(() => {}) })
    for (const [tag, caller] of spaces) expect(await caller.rpc<WhereApi>('svc').call.where()).toBe(tag)
    const [, la, fa] = spaces[1]
    const pending = la.rpc<WhereApi>('svc').call.wait()
    pending.catch(() => undefined)
    await fa.reset('stop serving')
    const err = await rejectionOf(pending, 'aborted')
    expect(err.message).toContain('stop serving')
    await la.closed
    expect(await leader.rpc<WhereApi>('svc').call.where()).toBe('root')
    // A call that reaches the peer before its scope's service is handled is accepted there, by that scope.
    const [lc, fc] = [leader.scope('c'), follower.scope('c')]
    const early = lc.rpc<WhereApi>('svc').call.where()
    await sessionCoreDelivered(pair)
    fc.rpc<WhereApi>('svc').handle({ where: () => 'c', wait: () => new Promise<never>(() => {}) })
    expect(await early).toBe('c')
  })
})
