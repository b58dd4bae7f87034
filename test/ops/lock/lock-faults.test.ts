import { describe, expect, it } from 'vitest'
import { NetError } from '../../../src/base/errors.js'
import type { Session } from '../../../src/session.js'
import { encodeLockMessage, parseLockMessage, type LockMessage } from '../../../src/ops/lock/lock-wire.js'
import { lockSessions, until } from './lock-harness.js'
import { sessionCore } from '../../../src/session.js'
import { rejectionOf, stateOf } from '../../helpers/promises.js'
import { rawPeer } from '../../helpers/session-probes.js'

describe('locks when the peer goes away', () => {
  it('peer closed while holding: the waiter rejects closed; the held guard and peek keep the value', async () => {
    const pair = await lockSessions({ latencyMs: 1 })
    const a = pair.leader.mutex<{ n: number }>('m', { initial: { n: 1 } })
    const b = pair.follower.mutex<{ n: number }>('m')
    const g = await b.lock()
    g.value = { n: 2 }
    const waiting = a.lock()
    await until(() => b.query().peerWaiting === 1, 'the leader’s request reached the holder')
    const rejected = rejectionOf(waiting, 'closed') // rejects before close() resolves (the peer answered)
    await pair.follower.close()
    await rejected
    expect(g.value).toEqual({ n: 2 })
    await g.release()
    await g.release()
    expect(b.peek()).toEqual({ n: 2 })
    expect(a.peek()).toEqual({ n: 1 })
    await rejectionOf(a.lock(), 'closed')
    await rejectionOf(b.withLock(() => 1), 'closed')
    await pair.close()
  })

  it('peer closed while queued: the queued request rejects closed', async () => {
    const pair = await lockSessions({ latencyMs: 1 })
    const a = pair.leader.rwlock<number>('rw', { initial: 1 })
    const b = pair.follower.rwlock<number>('rw')
    const held = await a.write()
    const queued = [b.read(), b.write()]
    await until(() => a.query().peerWaiting === 2, 'both requests queued at the holder')
    const rejected = queued.map((request) => rejectionOf(request, 'closed')) // before close() resolves
    await pair.leader.close()
    await Promise.all(rejected)
    expect(held.value).toBe(1)
    // The lock closed with the session: a new value could never reach the peer, so it is refused.
    expect(() => (held.value = 5)).toThrowError(expect.objectContaining({ code: 'closed' }))
    await held.release()
    expect(a.peek()).toBe(1)
    expect(b.peek()).toBe(1)
    await pair.close()
  })

  it('peer closed while a grant is in flight: the grant still lands, later calls reject', async () => {
    const pair = await lockSessions({ latencyMs: 1 })
    const a = pair.leader.mutex<number>('m', { initial: 0 })
    const b = pair.follower.mutex<number>('m')
    await a.withLock((g) => (g.value = 41))
    pair.followerEnd.pause()
    const waiting = b.lock()
    await until(() => a.query().state === 'away', 'the token left the leader')
    const closing = pair.leader.close()
    pair.followerEnd.resume()
    const g = await waiting
    expect(g.value).toBe(41)
    await closing
    await until(() => sessionCore(pair.follower).isClosed, 'the follower saw the close')
    await rejectionOf(b.lock(), 'closed')
    await g.release()
    expect(b.peek()).toBe(41)
    await pair.close()
  })

  it('a silent peer: pending requests reject with timeout, the lease holder keeps reading', async () => {
    const pair = await lockSessions({ latencyMs: 1 }, { heartbeatMs: 20, timeoutMs: 200 })
    const a = pair.leader.rwlock<string>('rw', { initial: 'kept' })
    const b = pair.follower.rwlock<string>('rw')
    const reading = await b.read()
    const write = a.write()
    await until(() => b.query().state === 'recalled', 'the recall arrived')
    pair.leaderEnd.sever()
    await rejectionOf(write, 'timeout')
    await until(() => sessionCore(pair.follower).isClosed, 'the follower timed out too')
    expect(sessionCore(pair.follower).closedReason?.code).toBe('timeout')
    expect(reading.value).toBe('kept')
    await reading.release()
    expect(b.peek()).toBe('kept')
    await pair.close()
  })
})

describe('lock values that cannot travel', () => {
  it('a value that cannot be encoded is refused at release, rolled back, and the lock goes on', async () => {
    const pair = await lockSessions({ latencyMs: 1 })
    const a = pair.leader.mutex<{ list: unknown[] }>('m', { initial: { list: [1] } })
    const b = pair.follower.mutex<{ list: unknown[] }>('m')
    const g = await a.lock()
    const waiting = b.lock()
    await until(() => a.query().peerWaiting === 1, 'the request arrived')
    g.value.list.push(() => 'not data')
    const err = await rejectionOf(g.release(), 'usage')
    expect(err.message).toMatch(/cannot be encoded/)
    const got = await waiting
    expect(got.value).toEqual({ list: [1] })
    got.value = { list: [2] }
    await got.release()
    expect(await a.withLock((x) => x.value)).toEqual({ list: [2] })
    // withLock reports it too, after releasing.
    await expect(a.withLock((x) => void (x.value = { list: [Symbol('no')] }))).rejects.toMatchObject({ code: 'usage' })
    expect(a.peek()).toEqual({ list: [2] })
    expect(a.query().writing).toBe(false)
    await pair.close()
  })

  it('a value too large for the peer breaks that lock on both sides, and only that lock; its key is free again', async () => {
    const small = await lockSessions({ latencyMs: 1 }, { maxFrameBytes: 4096 })
    const a = small.leader.mutex<string>('m', { initial: 'x' })
    const b = small.follower.mutex<string>('m')
    const g = await a.lock()
    const waiting = b.lock()
    await until(() => a.query().peerWaiting === 1, 'the request arrived')
    g.value = 'y'.repeat(10_000)
    await rejectionOf(g.release(), 'usage')
    await rejectionOf(waiting, 'usage')
    await rejectionOf(a.lock(), 'usage')
    await rejectionOf(b.lock(), 'usage')
    expect((await a.closed).code).toBe('usage')
    expect((await b.closed).message).toMatch(/broke on the peer/)
    expect(sessionCore(small.leader).isClosed || sessionCore(small.follower).isClosed).toBe(false)
    const other = small.follower.mutex<number>('other', { initial: 1 })
    small.leader.mutex<number>('other')
    expect(await other.withLock((x) => x.value)).toBe(1)
    const fresh = small.follower.mutex<string>('m', { initial: 'fresh' })
    small.leader.mutex<string>('m')
    expect(await fresh.withLock((x) => x.value)).toBe('fresh')
    await small.close()
  })
})

const hello = encodeLockMessage({ type: 'hello', value: undefined, watch: false })

describe('stray and out-of-order lock messages close the session with protocol, never crash', () => {
  const cases: [string, 'mutex' | 'rwlock', unknown[]][] = [
    ['a request before the hello', 'mutex', [encodeLockMessage({ type: 'request', id: 1, mode: 'write', clock: 1 })]],
    ['a second hello', 'mutex', [hello, hello]],
    ['the token sent to the side that holds it', 'mutex', [hello, encodeLockMessage({ type: 'token', id: 1, epoch: 1, version: 0, value: undefined, clock: 1, queue: [] })]],
    ['a lease sent to the holder', 'rwlock', [hello, encodeLockMessage({ type: 'lease', upTo: 1, epoch: 1, version: 0, value: undefined, clock: 1 })]],
    ['a return with no recall', 'rwlock', [hello, encodeLockMessage({ type: 'return', clock: 1 })]],
    ['a recall for a mutex', 'mutex', [hello, encodeLockMessage({ type: 'recall', clock: 1 })]],
    ['a read request for a mutex', 'mutex', [hello, encodeLockMessage({ type: 'request', id: 1, mode: 'read', clock: 1 })]],
    ['a cancel of a request never made', 'rwlock', [hello, encodeLockMessage({ type: 'cancel', id: 3, clock: 1 })]],
    ['a reused request id', 'mutex', [hello, ...[1, 2].map((clock) => encodeLockMessage({ type: 'request', id: 1, mode: 'write', clock }))]],
    ['a clock that goes back', 'mutex', [hello, ...[5, 4].map((clock, i) => encodeLockMessage({ type: 'request', id: i + 1, mode: 'write', clock }))]],
    ['an unknown tag', 'mutex', [[99]]],
    ['a message that is no array', 'rwlock', [{ type: 'hello' }]],
    ['a value that is neither bytes nor a number, string or boolean', 'rwlock', [[0, [1], false]]],
  ]
  for (const [what, kind, messages] of cases) {
    it(what, async () => {
      const pair = await lockSessions()
      const lock = kind === 'mutex' ? pair.leader.mutex('k', { initial: 0 }) : pair.leader.rwlock('k', { initial: 0 })
      const held = kind === 'mutex' ? await (lock as ReturnType<Session['mutex']>).lock() : await (lock as ReturnType<Session['rwlock']>).write()
      const send = rawPeer(pair.follower, kind, 'k')
      for (const message of messages) send(message)
      await until(() => sessionCore(pair.leader).isClosed, 'the leader closed')
      expect(sessionCore(pair.leader).closedReason?.code).toBe('protocol')
      expect(held.value).toBe(0)
      await held.release()
      await pair.close()
    })
  }

  it('a token for a request the receiver never made', async () => {
    const pair = await lockSessions()
    const b = pair.follower.mutex<number>('k')
    const waiting = b.lock()
    const send = rawPeer(pair.leader, 'mutex', 'k')
    send(hello)
    send(encodeLockMessage({ type: 'token', id: 7, epoch: 1, version: 0, value: undefined, clock: 3, queue: [] }))
    await rejectionOf(waiting, 'protocol')
    await pair.close()
  })

  it('an initial value whose bytes are no CBOR', async () => {
    const pair = await lockSessions()
    const b = pair.follower.rwlock<number>('k', { initial: 1 })
    const waiting = b.read()
    rawPeer(pair.leader, 'rwlock', 'k')([0, new Uint8Array([0xff, 0xff]), false])
    await rejectionOf(waiting, 'protocol')
    expect(b.peek()).toBe(1)
    await pair.close()
  })

  it('a lease that covers a write request', async () => {
    const pair = await lockSessions()
    const b = pair.follower.rwlock<number>('k')
    const waiting = b.write()
    const send = rawPeer(pair.leader, 'rwlock', 'k')
    send(hello)
    send(encodeLockMessage({ type: 'lease', upTo: 1, epoch: 1, version: 0, value: undefined, clock: 3 }))
    await rejectionOf(waiting, 'protocol')
    await pair.close()
  })

  it('a mutex meeting an rwlock under one key', async () => {
    const pair = await lockSessions()
    const a = pair.leader.mutex<number>('k', { initial: 0 })
    pair.follower.rwlock<number>('k')
    await until(() => sessionCore(pair.leader).isClosed && sessionCore(pair.follower).isClosed, 'both closed')
    expect(sessionCore(pair.leader).closedReason?.code).toBe('protocol')
    await rejectionOf(a.lock(), 'protocol')
    expect(await stateOf(Promise.resolve())).toBe('fulfilled')
    await pair.close()
  })
})

describe('lock wire format', () => {
  const messages: LockMessage[] = [
    { type: 'hello', value: new Uint8Array([1, 2]), watch: true },
    { type: 'hello', value: undefined, watch: false },
    { type: 'hello', value: 'board', watch: false },
    { type: 'token', id: 2, epoch: 3, version: 1, value: 42.5, clock: 8, queue: [] },
    { type: 'lease', upTo: 3, epoch: 2, version: 1, value: true, clock: 1 },
    { type: 'request', id: 1, mode: 'read', clock: 4 },
    { type: 'cancel', id: 1, clock: 4 },
    { type: 'token', id: 2, epoch: 3, version: 1, value: new Uint8Array([9]), clock: 8, queue: [{ id: 4, ts: 5, mode: 'write' }, { id: 5, ts: 7, mode: 'read' }] },
    { type: 'lease', upTo: 3, epoch: 2, version: 0, value: undefined, clock: 1 },
    { type: 'recall', clock: 2 },
    { type: 'return', clock: 2 },
    { type: 'broken', reason: 'too big' },
  ]
  it('every message survives encode and parse', () => {
    for (const message of messages) expect(parseLockMessage(encodeLockMessage(message), false)).toEqual(message)
  })

  it('refuses malformed messages with NetError protocol', () => {
    const bad: unknown[] = [
      null,
      [],
      [1, 0, 'write', 0],
      [1, 1, 'both', 0],
      [1, 1.5, 'write', 0],
      [1, 1, 'write', -1],
      [1, 1, 'write', 2 ** 60],
      [1, 1, 'write'],
      [3, 1, 0, 0, null, 5, [2, 6, 'write']],
      [3, 1, 0, 0, null, 5, [2, 3, 'write', 2, 4, 'write']],
      [3, 1, 0, 0, null, 5, [2, 3]],
      [4, 1, 0, 0, [1], 0],
      [9, 1, { n: 1 }, 0],
      [7, 42],
      ['1'],
    ]
    for (const raw of bad) expect(() => parseLockMessage(raw, false), JSON.stringify(raw)).toThrowError(NetError)
    expect(() => parseLockMessage([4, 1, 0, 0, null, 0], true)).toThrowError(/mutex/)
  })
})
