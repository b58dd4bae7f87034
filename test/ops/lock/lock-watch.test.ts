import { describe, expect, it } from 'vitest'
import { NetError } from '../../../src/base/errors.js'
import { encodeLockMessage, parseLockMessage } from '../../../src/ops/lock/lock-wire.js'
import type { NetMutex, NetRwLock } from '../../../src/session.js'
import { sessionCore } from '../../../src/session.js'
import { lockSessions, until } from './lock-harness.js'
import { rejectionOf } from '../../helpers/promises.js'
import { rawPeer } from '../../helpers/session-probes.js'

/** Every `change` event of `lock`, as [value, origin]. */
function changesOf<T>(lock: NetMutex<T> | NetRwLock<T>): [T, 'local' | 'peer'][] {
  const seen: [T, 'local' | 'peer'][] = []
  const events = lock as NetMutex<T> // both have the same events; the union's overloads do not combine
  events.on('change', (value, origin) => seen.push([value, origin]))
  return seen
}

describe('lock watch: the peer learns committed values without locking', () => {
  it('each changed write reaches a watching peer in one message: peek() and change (origin peer)', async () => {
    const pair = await lockSessions({ latencyMs: 1 })
    const a = pair.leader.mutex<number>('score', { initial: 0, watch: true })
    const b = pair.follower.mutex<number>('score', { watch: true })
    await until(() => b.peek() === 0 && pair.totalMessages() === 2, 'both hellos arrived')
    const seen = changesOf(b)
    pair.resetCounts()
    for (let i = 1; i <= 5; i++) await a.withLock((g) => (g.value = i * 10))
    await until(() => b.peek() === 50, 'the last update arrived')
    expect(seen).toEqual([10, 20, 30, 40, 50].map((v) => [v, 'peer']))
    expect([pair.leaderCounts.total, pair.followerCounts.total]).toEqual([5, 0])
    // A write that changes nothing sends nothing.
    pair.resetCounts()
    for (let i = 0; i < 20; i++) await a.withLock((g) => (g.value = 50))
    await a.withLock((g) => g.value)
    expect(pair.totalMessages()).toBe(0)
    await pair.close()
  })

  it('is per side: only a side that asked gets updates; without watch a write sends nothing', async () => {
    const pair = await lockSessions({ latencyMs: 1 })
    const a = pair.leader.mutex<number>('m', { initial: 0, watch: true })
    const b = pair.follower.mutex<number>('m')
    await until(() => b.peek() === 0 && pair.totalMessages() === 2, 'both hellos arrived')
    pair.resetCounts()
    for (let i = 1; i <= 100; i++) await a.withLock((g) => (g.value = i))
    expect(pair.totalMessages()).toBe(0)
    expect(b.peek()).toBe(0)
    // The follower takes the lock (request + token with the value); now the leader watches its writes.
    expect(await b.withLock((g) => (g.value += 1))).toBe(101)
    pair.resetCounts()
    await b.withLock((g) => (g.value = 500))
    await until(() => a.peek() === 500, 'the leader sees the follower’s write')
    expect([pair.leaderCounts.total, pair.followerCounts.total]).toEqual([0, 1])
    await pair.close()
  })

  it('an update, then a hand-off: the grant carries no value, and both sides agree', async () => {
    const pair = await lockSessions({ latencyMs: 1 })
    const big = 'x'.repeat(20_000)
    const a = pair.leader.mutex<string>('m', { initial: '', watch: true })
    const b = pair.follower.mutex<string>('m', { watch: true })
    await until(() => pair.totalMessages() === 2, 'both hellos went out')
    pair.resetCounts()
    await a.withLock((g) => (g.value = big))
    await until(() => b.peek() === big, 'the update arrived')
    expect(pair.leaderCounts.bytes).toBeGreaterThan(20_000)
    pair.resetCounts()
    expect(await b.withLock((g) => g.value.length)).toBe(20_000)
    expect([pair.leaderCounts.total, pair.followerCounts.total]).toEqual([1, 1]) // token, request
    expect(pair.leaderCounts.bytes).toBeLessThan(200)
    await pair.close()
  })

  it('a request crossing a write: the token carries the value and no update goes out (2 messages)', async () => {
    const pair = await lockSessions({ latencyMs: 2 })
    const a = pair.leader.mutex<number>('m', { initial: 0, watch: true })
    const b = pair.follower.mutex<number>('m', { watch: true })
    await until(() => b.peek() === 0 && pair.totalMessages() === 2, 'both hellos arrived')
    const seenByB = changesOf(b)
    pair.resetCounts()
    const held = await a.lock()
    const taken = b.withLock((g) => g.value)
    await until(() => a.query().peerWaiting === 1, 'the follower’s request reached the holder')
    held.value = 7
    await held.release()
    expect(await taken).toBe(7)
    expect([pair.leaderCounts.total, pair.followerCounts.total]).toEqual([1, 1])
    expect(seenByB).toEqual([[7, 'peer']])
    // The other order: the follower holds the token now and its writes reach the watching leader.
    await b.withLock((g) => (g.value = 8))
    await until(() => a.peek() === 8, 'the leader sees the follower’s write')
    expect(await a.withLock((g) => g.value)).toBe(8)
    await pair.close()
  })

  it('values committed before the peer’s lock existed reach it after its hello', async () => {
    const pair = await lockSessions({ latencyMs: 1 })
    const a = pair.leader.mutex<{ n: number }>('late', { initial: { n: 0 } })
    for (let n = 1; n <= 3; n++) await a.withLock((g) => (g.value = { n }))
    const b = pair.follower.mutex<{ n: number }>('late', { watch: true })
    const seen = changesOf(b)
    await until(() => b.peek()?.n === 3, 'the follower sees the last committed value')
    // The hello brought the initial value, one update the rest: no value in between.
    expect(seen.map(([v, origin]) => [v.n, origin])).toEqual([[0, 'peer'], [3, 'peer']])
    expect(pair.leaderCounts.forPrefix('late')).toBe(2) // hello, update
    await pair.close()
  })

  it('rwlock: an update after a recalled lease; a queued read gets the value with its lease instead', async () => {
    const pair = await lockSessions({ latencyMs: 1 })
    const a = pair.leader.rwlock<number>('rw', { initial: 1 })
    const b = pair.follower.rwlock<number>('rw', { watch: true })
    expect(await b.withRead((g) => g.value)).toBe(1) // the follower holds the lease now
    await a.withWrite((g) => (g.value = 2)) // recall, return, then the update
    await until(() => b.peek() === 2, 'the update arrived')
    const held = await a.write()
    const read = b.withRead((g) => g.value)
    await until(() => a.query().peerWaiting === 1, 'the read request reached the holder')
    pair.resetCounts()
    held.value = 3
    await held.release()
    expect(await read).toBe(3)
    expect(pair.leaderCounts.total).toBe(1) // the lease, with the value; no update
    await pair.close()
  })

  it('checks its option', async () => {
    const pair = await lockSessions()
    expect(() => pair.leader.mutex('m', { watch: 'yes' as unknown as boolean })).toThrowError(expect.objectContaining({ code: 'usage' }))
    expect(() => pair.leader.rwlock('r', { watch: 1 as unknown as boolean })).toThrowError(/options\.watch/)
    await pair.close()
  })
})

const update = (version: number, clock: number, value = new Uint8Array([0x05])): unknown[] =>
  encodeLockMessage({ type: 'update', version, value, clock })

describe('lock watch: a hostile update closes the session with protocol', () => {
  const cases: [string, boolean, boolean, unknown[]][] = [
    // [what, the follower watches, the leader (the raw peer) has the token, messages after its hello]
    ['an update to a side that does not watch', false, true, [update(1, 1)]],
    ['an update to the side that holds the token', true, false, [update(1, 1)]],
    ['an update that is not newer', true, true, [update(2, 1), update(2, 2)]],
    ['an update whose bytes are no CBOR', true, true, [update(1, 1, new Uint8Array([0xff, 0xff]))]],
    ['an update without its value', true, true, [[9, 1, null, 1]]],
  ]
  for (const [what, watch, peerHolds, messages] of cases) {
    it(what, async () => {
      const pair = await lockSessions()
      const b = pair.follower.mutex<number>('k', { watch })
      const send = rawPeer(pair.leader, 'mutex', 'k')
      send(encodeLockMessage({ type: 'hello', value: undefined, watch: true }))
      // A side holds the token once a grant for its request arrived (version 0: the initial value).
      const held = peerHolds ? undefined : b.lock()
      if (held !== undefined) {
        await until(() => b.query().waiting === 1, 'the request went out')
        send(encodeLockMessage({ type: 'token', id: 1, epoch: 1, version: 0, value: undefined, clock: 1, queue: [] }))
        await (await held).release()
      }
      for (const message of messages) send(message)
      await until(() => sessionCore(pair.follower).isClosed, 'the follower closed')
      expect(sessionCore(pair.follower).closedReason?.code).toBe('protocol')
      await rejectionOf(b.lock(), 'protocol')
      await pair.close()
    })
  }

  it('malformed updates and hellos are refused by the parser', () => {
    const bad: unknown[] = [[0, null], [0, null, 1], [9, 1, null, 5], [9, 0, new Uint8Array([1]), 5], [9, 1, new Uint8Array([1])], [9, 1, ['x'], 5], [9, 1, { x: 1 }, 5]]
    for (const raw of bad) expect(() => parseLockMessage(raw, true), JSON.stringify(raw)).toThrowError(NetError)
    const message = { type: 'update', version: 4, value: new Uint8Array([7]), clock: 9 } as const
    expect(parseLockMessage(encodeLockMessage(message), true)).toEqual(message)
    // A number, string or boolean travels as itself.
    for (const value of [0, -1.5, 'x', false]) {
      const plain = { type: 'update', version: 4, value, clock: 9 } as const
      expect(parseLockMessage(encodeLockMessage(plain), true)).toEqual(plain)
    }
  })
})
