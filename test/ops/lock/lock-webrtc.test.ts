import { afterEach, describe, expect, it } from 'vitest'
import type { MutexGuard } from '../../../src/ops/lock/mutex.js'
import type { NetRwLock } from '../../../src/ops/lock/rwlock.js'
import { openSessions, type SessionPair } from '../../helpers/session-pair.js'
import { nodeDataChannelPair, wrtcDataChannelPair } from '../../helpers/webrtc-pair.js'
import { until } from './lock-harness.js'
import { runOrderScenario, scenarioName, SCENARIOS, SkipClock } from './lock-order-scenario.js'
import { sessionCore } from '../../../src/session.js'
import { nextMacrotask, rejectionOf } from '../../helpers/promises.js'

const stacks = [
  ['node-datachannel', nodeDataChannelPair],
  ['@roamhq/wrtc', wrtcDataChannelPair],
] as const

describe.each(stacks)('locks over real WebRTC (%s)', (_name, connect) => {
  let teardown: Array<() => Promise<void>> = []
  afterEach(async () => {
    for (const close of teardown.reverse()) await close()
    teardown = []
  })

  async function sessions(): Promise<SessionPair> {
    const frames = await connect()
    teardown.push(() => frames.close())
    const pair = await openSessions([frames.a, frames.b])
    teardown.push(() => pair.close())
    return pair
  }

  it('re-lock costs no message, a hand-off one request and one grant', async () => {
    const pair = await sessions()
    const a = pair.leader.mutex<number>('m', { initial: 0 })
    const b = pair.follower.mutex<number>('m')
    await until(() => b.peek() === 0, 'the hello arrived')
    pair.resetCounts()
    for (let i = 0; i < 1000; i++) await a.withLock((g) => (g.value += 1))
    expect(pair.totalMessages()).toBe(0)
    for (let i = 0; i < 10; i++) {
      pair.resetCounts()
      expect(await (i % 2 === 0 ? b : a).withLock((g) => (g.value += 1))).toBe(1001 + i)
      expect([pair.leaderCounts.total, pair.followerCounts.total]).toEqual([1, 1])
    }
  })

  it('both sides alternately increment a shared counter 500 times each', async () => {
    const pair = await sessions()
    const a = pair.leader.mutex<number>('counter', { initial: 1000 })
    const b = pair.follower.mutex<number>('counter')
    let last = 1000
    const order: string[] = []
    const run = async (m: typeof a, side: string, rounds: number): Promise<void> => {
      let next = m.lock()
      for (let i = 0; i < rounds; i++) {
        const g: MutexGuard<number> = await next
        expect(g.value).toBe(last)
        g.value = last = g.value + 1
        order.push(side)
        next = i + 1 < rounds ? m.lock() : Promise.resolve(g)
        await nextMacrotask()
        await g.release()
      }
    }
    const start = await a.lock()
    const follower = run(b, 'F', 500)
    await until(() => a.query().peerWaiting === 1, 'the follower’s request reached the holder')
    const leader = run(a, 'L', 500)
    pair.resetCounts()
    await start.release()
    await Promise.all([leader, follower])
    expect(last).toBe(2000)
    expect(order.join('')).toBe('FL'.repeat(500))
    // Each turn is a hand-off, and the waiting request rides along with the token: one message each.
    expect(pair.totalMessages()).toBe(1000)
    expect(await b.withLock((g) => g.value)).toBe(2000)
  })

  it('1,000 read guards held on each side at once, then a write', async () => {
    const pair = await sessions()
    const a = pair.leader.rwlock<number>('rw', { initial: 1000 })
    const b = pair.follower.rwlock<number>('rw')
    const [ra, rb] = await Promise.all([a, b].map((lock) => Promise.all(Array.from({ length: 1000 }, () => lock.read()))))
    expect([a.query().readers, b.query().readers]).toEqual([1000, 1000])
    const write = b.write()
    for (const g of [...ra!, ...rb!]) await g.release()
    const w = await write
    w.value = 1001
    await w.release()
    expect(await a.withRead((g) => g.value)).toBe(1001)
  })

  it('reads and writes interleaved from both sides', async () => {
    const pair = await sessions()
    const a = pair.leader.rwlock<number>('rw', { initial: 0 })
    const b = pair.follower.rwlock<number>('rw')
    let last = 0
    const run = async (lock: NetRwLock<number>, base: number): Promise<void> => {
      for (let i = 0; i < 100; i++) {
        await lock.withWrite((g) => {
          expect(g.value).toBe(last)
          g.value = last = base + i
        })
        await lock.withRead((g) => expect(g.value).toBe(last))
        await nextMacrotask()
      }
    }
    await Promise.all([run(a, 1_000_000), run(b, 2_000_000)])
    expect(await a.withRead((g) => g.value)).toBe(last)
  })
})

describe('lock order and close over real WebRTC (node-datachannel)', () => {
  let teardown: Array<() => Promise<void>> = []
  afterEach(async () => {
    for (const close of teardown.reverse()) await close()
    teardown = []
  })

  async function sessions(clock?: SkipClock): Promise<SessionPair> {
    const frames = await nodeDataChannelPair()
    teardown.push(() => frames.close())
    const options = clock === undefined ? {} : { now: clock.now }
    const pair = await openSessions([frames.a, frames.b], { leader: options, follower: options })
    teardown.push(() => pair.close())
    return pair
  }

  it('A1, B1 50 ms later, A2 50 ms later are granted A1, B1, A2: every kind, mode, holder and role', async () => {
    const clock = new SkipClock()
    const pair = await sessions(clock)
    for (const [i, scenario] of SCENARIOS.entries()) {
      await runOrderScenario(pair, clock, scenario, `order:${i}`).catch((err: unknown) => {
        throw new Error(`${scenarioName(scenario)}: ${String(err)}`, { cause: err })
      })
    }
  })

  it('watch: each side sees the other’s writes without locking, in order, a chunked value too', async () => {
    const pair = await sessions()
    const a = pair.leader.mutex<{ n: number; pad: string }>('w', { initial: { n: 0, pad: '' }, watch: true })
    const b = pair.follower.mutex<{ n: number; pad: string }>('w', { watch: true })
    await until(() => b.peek()?.n === 0, 'the hello arrived')
    // The leader sends updates only once it has the follower's hello (its `watch`); the follower sent
    // it before its exchange message on the same ordered channel, so the exchange is the fence.
    await Promise.all([pair.leader.exchange(0), pair.follower.exchange(0)])
    const seen: number[] = []
    b.on('change', (value, origin) => seen.push(origin === 'peer' ? value.n : -1))
    pair.resetCounts()
    const pad = 'x'.repeat(300_000) // larger than one DataChannel message: sent in chunks
    for (let n = 1; n <= 20; n++) await a.withLock((g) => (g.value = { n, pad: n === 10 ? pad : '' }))
    await until(() => b.peek().n === 20, 'the last update arrived')
    expect(seen).toEqual(Array.from({ length: 20 }, (_, i) => i + 1))
    expect([pair.leaderCounts.total, pair.followerCounts.total]).toEqual([20, 0])
    // The follower takes the lock (request and token, no value: it has it) and its write reaches the leader.
    pair.resetCounts()
    await b.withLock((g) => (g.value = { n: 21, pad: '' }))
    await until(() => a.peek().n === 21, 'the leader sees the follower’s write')
    expect([pair.leaderCounts.total, pair.followerCounts.total]).toEqual([1, 2])
    expect(pair.leaderCounts.bytes).toBeLessThan(200)
  })

  it('close rejects waiting requests on both sides, costs two messages, and the key opens fresh on both sides', async () => {
    const pair = await sessions()
    const a = pair.leader.rwlock<number>('k', { initial: 1 })
    const b = pair.follower.rwlock<number>('k')
    const held = await a.write()
    const waiting = [a.read(), b.write()]
    await until(() => a.query().peerWaiting === 1, 'the follower’s request reached the holder')
    pair.resetCounts()
    const rejected = Promise.all(waiting.map((request) => rejectionOf(request, 'closed')))
    await b.close()
    await rejected
    expect([pair.followerCounts.total, pair.leaderCounts.total]).toEqual([1, 1])
    expect((await a.closed).code).toBe('closed')
    expect(() => (held.value = 2)).toThrowError(expect.objectContaining({ code: 'closed' }))
    await held.release()
    for (let round = 0; round < 20; round++) {
      const c = pair.follower.mutex<number>('k', { initial: round })
      const d = pair.leader.mutex<number>('k')
      expect(await d.withLock((g) => (g.value += 1))).toBe(round + 1)
      expect(await c.withLock((g) => (g.value += 1))).toBe(round + 2)
      // Both sides close at once: the closes cross on the wire.
      await Promise.all([c.close(), d.close()])
    }
    expect(pair.leader.stats).toMatchObject({ openOperations: 0, heldMessages: 0 })
    expect(pair.follower.stats).toMatchObject({ openOperations: 0, heldMessages: 0 })
    expect(sessionCore(pair.leader).closedReason ?? sessionCore(pair.follower).closedReason).toBeUndefined()
  })
})
