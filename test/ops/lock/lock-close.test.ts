import { describe, expect, it } from 'vitest'
import { NetError } from '../../../src/base/errors.js'
import { encodeLockMessage } from '../../../src/ops/lock/lock-wire.js'
import type { NetMutex } from '../../../src/ops/lock/mutex.js'
import { lockSessions, until } from './lock-harness.js'
import { sessionCore } from '../../../src/session.js'
import { rejectionOf, stateOf } from '../../helpers/promises.js'
import { rawPeer } from '../../helpers/session-probes.js'

describe('closing a lock', () => {
  it('rejects the requests waiting on both sides with closed, frees the key on both, and the key opens fresh', async () => {
    const pair = await lockSessions({ latencyMs: 1 })
    const a = pair.leader.rwlock<number>('k', { initial: 1 })
    const b = pair.follower.rwlock<number>('k')
    const held = await a.write()
    const waitingHere = a.read()
    const waitingThere = [b.write(), b.read()]
    await until(() => a.query().peerWaiting === 2, 'the follower’s requests reached the holder')
    const events: string[] = []
    a.on('close', (reason) => events.push(`a ${reason.code}`))
    b.on('close', (reason) => events.push(`b ${reason.code}`))
    const rejected = Promise.all([waitingHere, ...waitingThere].map((request) => rejectionOf(request, 'closed')))
    await a.close()
    await rejected
    expect((await a.closed).message).toMatch(/lock "k" was closed/)
    expect((await b.closed).message).toMatch(/the peer closed lock "k"/)
    expect(events.sort()).toEqual(['a closed', 'b closed'])
    expect([a.query().state, b.query().state]).toEqual(['closed', 'closed'])
    await rejectionOf(a.read(), 'closed')
    await rejectionOf(b.write(), 'closed')
    await held.release()
    // Fresh locks under the same key, on both sides: the new initial value, a hand-off each way.
    const c = pair.follower.rwlock<number>('k', { initial: 7 })
    const d = pair.leader.rwlock<number>('k')
    expect(await c.withWrite((g) => (g.value += 1))).toBe(8)
    expect(await d.withWrite((g) => (g.value += 1))).toBe(9)
    expect(await c.withRead((g) => g.value)).toBe(9)
    expect([sessionCore(pair.leader).isClosed, sessionCore(pair.follower).isClosed]).toEqual([false, false])
    expect(pair.leader.stats.openOperations).toBe(1)
    await pair.close()
  })

  it('closes crossing on the wire: both sides free the key, and nothing is a protocol error', async () => {
    const pair = await lockSessions({ latencyMs: 5 })
    for (let round = 0; round < 3; round++) {
      const a = pair.leader.mutex<number>(`round`, { initial: round })
      const b = pair.follower.mutex<number>(`round`)
      expect(await b.withLock((g) => g.value)).toBe(round)
      // Both close before either close arrives (5 ms each way).
      await Promise.all([a.close(), b.close()])
      expect((await a.closed).message).toMatch(/was closed/)
      expect((await b.closed).message).toMatch(/was closed/)
    }
    expect(pair.leader.stats).toMatchObject({ openOperations: 0, heldMessages: 0 })
    expect(pair.follower.stats).toMatchObject({ openOperations: 0, heldMessages: 0 })
    expect([sessionCore(pair.leader).closedReason, sessionCore(pair.follower).closedReason]).toEqual([undefined, undefined])
    await pair.close()
  })

  it('a request crossing the close is ignored by the closer, and never reaches the next lock of the key', async () => {
    const pair = await lockSessions({ latencyMs: 1 })
    const a = pair.leader.mutex<number>('k', { initial: 0 })
    const b = pair.follower.mutex<number>('k')
    await until(() => b.peek() === 0, 'the hello arrived')
    pair.leaderEnd.pause()
    const request = b.lock()
    const closing = a.close()
    pair.leaderEnd.resume()
    await rejectionOf(request, 'closed')
    await closing
    const c = pair.leader.mutex<number>('k', { initial: 10 })
    const d = pair.follower.mutex<number>('k')
    // The old request did not make it into the new lock's queue: the holder locks at once.
    expect(await c.withLock((g) => g?.value, { ifAvailable: true })).toBe(10)
    expect(c.query().peerWaiting).toBe(0)
    expect(await d.withLock((g) => (g.value += 1))).toBe(11)
    expect(sessionCore(pair.leader).closedReason).toBeUndefined()
    await pair.close()
  })

  it('a token crossing the close is ignored; the value it carried stays with its sender', async () => {
    const pair = await lockSessions({ latencyMs: 1 })
    const a = pair.leader.mutex<number>('k', { initial: 0 })
    const b = pair.follower.mutex<number>('k')
    await until(() => b.peek() === 0, 'the hello arrived')
    const g = await a.lock()
    const request = b.lock()
    await until(() => a.query().peerWaiting === 1, 'the request reached the holder')
    pair.followerEnd.pause()
    g.value = 5
    await g.release()
    expect(a.query().state).toBe('away')
    const closing = b.close()
    await rejectionOf(request, 'closed')
    pair.followerEnd.resume()
    await closing
    expect(b.peek()).toBe(0)
    expect(a.peek()).toBe(5)
    expect(await stateOf(a.closed)).toBe('fulfilled')
    expect(sessionCore(pair.follower).closedReason ?? sessionCore(pair.leader).closedReason).toBeUndefined()
    await pair.close()
  })

  it('a guard held at close stays readable, refuses a new value with closed, and its release sends nothing', async () => {
    const pair = await lockSessions({ latencyMs: 1 })
    const a = pair.leader.mutex<{ n: number }>('k', { initial: { n: 1 } })
    const b = pair.follower.mutex<{ n: number }>('k')
    const g = await b.lock()
    g.value = { n: 2 }
    await a.close()
    expect(g.value).toEqual({ n: 2 })
    expect(() => (g.value = { n: 3 })).toThrowError(NetError)
    expect(() => (g.value = { n: 3 })).toThrowError(expect.objectContaining({ code: 'closed' }))
    pair.resetCounts()
    await g.release()
    expect(g.released).toBe(true)
    expect(pair.totalMessages()).toBe(0)
    // The change made before the close stays here; the peer never saw it.
    expect(b.peek()).toEqual({ n: 2 })
    expect(a.peek()).toEqual({ n: 1 })
    await pair.close()
  })

  it('closing before the peer opened the key: the peer’s lock closes as it opens, then both may reuse it', async () => {
    const pair = await lockSessions({ latencyMs: 1 })
    const a = pair.leader.mutex<number>('late', { initial: 1 })
    const closing = a.close()
    expect(await stateOf(closing)).toBe('pending')
    await until(() => pair.follower.stats.heldMessages === 2, 'the hello and the close wait on the follower')
    const b = pair.follower.mutex<number>('late')
    await rejectionOf(b.lock(), 'closed')
    expect((await b.closed).code).toBe('closed')
    await closing
    const c = pair.leader.mutex<number>('late', { initial: 2 })
    const d = pair.follower.mutex<number>('late')
    expect(await d.withLock((g) => g.value)).toBe(2)
    expect(await c.withLock((g) => g.value)).toBe(2)
    await pair.close()
  })

  it('await using closes the lock; close is idempotent; the session closing ends a close that waits', async () => {
    const pair = await lockSessions({ latencyMs: 1 })
    let kept: NetMutex<number> | undefined
    {
      await using m = pair.leader.mutex<number>('k', { initial: 1 })
      pair.follower.mutex<number>('k')
      kept = m
    }
    if (kept === undefined) throw new Error('unreachable')
    expect(kept.query().state).toBe('closed')
    await kept.close()
    expect(pair.follower.stats.openOperations).toBe(0)
    const lonely = pair.leader.rwlock<number>('nobody-opens', { initial: 1 })
    const closing = lonely.close()
    await pair.leader.close()
    await closing
    expect((await lonely.closed).message).toMatch(/was closed/)
    await pair.close()
  })
})

describe('hostile close and clock messages close the session with protocol', () => {
  const hello = encodeLockMessage({ type: 'hello', value: undefined, watch: false })
  const cases: [string, unknown[]][] = [
    ['a second close after the first', [hello, encodeLockMessage({ type: 'close' }), encodeLockMessage({ type: 'close' })]],
    ['a close with fields', [hello, [8, 1]]],
    ['a stamp far ahead of the shared time', [hello, encodeLockMessage({ type: 'request', id: 1, mode: 'write', clock: Number.MAX_SAFE_INTEGER })]],
    ['a stamp that is not a safe integer', [hello, [1, 1, 'write', 2 ** 53 + 2]]],
    ['a stamp that is infinite', [hello, [1, 1, 'write', Infinity]]],
  ]
  for (const [what, messages] of cases) {
    it(what, async () => {
      const pair = await lockSessions()
      const lock = pair.leader.mutex<number>('k', { initial: 0 })
      const held = await lock.lock()
      const send = rawPeer(pair.follower, 'mutex', 'k')
      for (const message of messages) send(message)
      await until(() => sessionCore(pair.leader).isClosed, 'the leader closed')
      expect(sessionCore(pair.leader).closedReason?.code).toBe('protocol')
      await held.release()
      await pair.close()
    })
  }

  it('a peer clock ahead within the bound is taken: the next local request is stamped after it', async () => {
    const pair = await lockSessions()
    const lock = pair.leader.mutex<number>('k', { initial: 0 })
    const held = await lock.lock()
    const send = rawPeer(pair.follower, 'mutex', 'k')
    const ahead = Math.floor((pair.leader.now() + 30_000) * 1000)
    send(hello)
    send(encodeLockMessage({ type: 'request', id: 1, mode: 'write', clock: ahead }))
    await until(() => lock.query().peerWaiting === 1, 'the request is queued')
    const mine = lock.lock()
    await held.release()
    // The peer's request was stamped first (causally before ours), so it is served first.
    expect(lock.query().state).toBe('away')
    expect(await stateOf(mine)).toBe('pending')
    expect(sessionCore(pair.leader).closedReason).toBeUndefined()
    await pair.close()
  })
})
