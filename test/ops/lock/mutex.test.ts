import { describe, expect, it } from 'vitest'
import { NetError } from '../../../src/base/errors.js'
import type { MutexGuard } from '../../../src/ops/lock/mutex.js'
import { prng } from '../../helpers/prng.js'
import { lockSessions, until } from './lock-harness.js'
import { nextMacrotask, rejectionOf, stateOf } from '../../helpers/promises.js'

describe('NetMutex: value and initial', () => {
  it('the leader’s initial value wins; both sides agree after the hellos', async () => {
    const pair = await lockSessions()
    const a = pair.leader.mutex('m', { initial: { who: 'leader' } })
    const b = pair.follower.mutex('m', { initial: { who: 'follower' } })
    await until(() => b.peek().who === 'leader', 'the follower adopts the leader’s value')
    expect(await b.withLock((g) => g.value)).toEqual({ who: 'leader' })
    expect(a.peek()).toEqual({ who: 'leader' })
    await pair.close()
  })

  it('takes the follower’s initial value when the leader gives none, and undefined when neither does', async () => {
    const pair = await lockSessions()
    const a = pair.leader.mutex<number>('m')
    const b = pair.follower.mutex<number>('m', { initial: 7 })
    // The leader cannot lock before it knows whether the follower's value wins.
    expect(await a.withLock((g) => g.value)).toBe(7)
    const c = pair.leader.mutex<number>('n')
    const d = pair.follower.mutex<number>('n')
    expect(await d.withLock((g) => g.value)).toBeUndefined()
    expect(c.peek()).toBeUndefined()
    expect(b.peek()).toBe(7)
    await pair.close()
  })

  it('the peer may create its mutex later: its messages wait for it', async () => {
    const pair = await lockSessions({ latencyMs: 1 })
    const b = pair.follower.mutex<number>('late', { initial: 1 })
    const got = b.withLock((g) => (g.value += 1))
    await until(() => b.query().waiting === 1, 'the request is out')
    const a = pair.leader.mutex<number>('late', { initial: 10 })
    expect(await got).toBe(11)
    expect(await a.withLock((g) => g.value)).toBe(11)
    await pair.close()
  })

  it('refuses an initial value that cannot be encoded', async () => {
    const pair = await lockSessions()
    expect(() => pair.leader.mutex('bad', { initial: { f: () => 1 } })).toThrowError(expect.objectContaining({ code: 'usage' }))
    await pair.close()
  })
})

describe('NetMutex: message counts', () => {
  it('re-locking by the token holder sends no message', async () => {
    const pair = await lockSessions()
    const a = pair.leader.mutex<number>('m', { initial: 0 })
    pair.follower.mutex<number>('m')
    await until(() => pair.totalMessages() === 2, 'both hellos went out')
    pair.resetCounts()
    for (let i = 0; i < 500; i++) await a.withLock((g) => (g.value += 1))
    for (let i = 0; i < 10; i++) {
      const g = (await a.lock({ ifAvailable: true }))!
      g.value = -i
      await g.release()
    }
    expect(pair.totalMessages()).toBe(0)
    await pair.close()
  })

  it('a hand-off is exactly one request and one grant, and the value travels only when it changed', async () => {
    const pair = await lockSessions({ latencyMs: 1 })
    const big = 'x'.repeat(20_000)
    const a = pair.leader.mutex<string>('m', { initial: 'small' })
    const b = pair.follower.mutex<string>('m')
    await until(() => b.peek() === 'small', 'the hello arrived')
    await a.withLock((g) => {
      g.value = big
    })
    pair.resetCounts()
    expect(await b.withLock((g) => g.value.length)).toBe(20_000)
    expect(pair.followerCounts.total).toBe(1) // request
    expect(pair.leaderCounts.total).toBe(1) // token, with the value
    expect(pair.leaderCounts.bytes).toBeGreaterThan(20_000)
    pair.resetCounts()
    // The follower did not change it, so the token comes back without it.
    expect(await a.withLock((g) => g.value.length)).toBe(20_000)
    expect(pair.leaderCounts.total).toBe(1)
    expect(pair.followerCounts.total).toBe(1)
    expect(pair.followerCounts.bytes).toBeLessThan(200)
    // A guard that only reads an object value does not count as a change when it encodes the same.
    pair.resetCounts()
    const c = pair.leader.mutex<{ n: number }>('o', { initial: { n: 1 } })
    const d = pair.follower.mutex<{ n: number }>('o')
    await until(() => d.peek()?.n === 1, 'the hello arrived')
    await c.withLock((g) => g.value.n)
    pair.resetCounts()
    await d.withLock((g) => g.value.n)
    expect(pair.leaderCounts.bytes).toBeLessThan(200)
    await pair.close()
  })
})

describe('NetMutex: both sides increment a shared counter', () => {
  for (const [latencyMs, count] of [
    [0, 1000],
    [5, 50],
    [50, 10],
  ] as const) {
    it(`${count} increments from each side with ${latencyMs} ms latency: each sees the previous value`, async () => {
      const pair = await lockSessions({ latencyMs, jitterMs: latencyMs / 5, random: prng(latencyMs + 1) })
      const a = pair.leader.mutex<number>('counter', { initial: 1000 })
      const b = pair.follower.mutex<number>('counter')
      // As in the original: the follower locks first and writes 1001, then the leader sees it.
      await b.withLock((g) => {
        expect(g.value).toBe(1000)
        g.value = 1001
      })
      expect(await a.withLock((g) => g.value)).toBe(1001)
      let last = 1001
      let handOffs = 0
      let lastSide = ''
      const run = async (m: typeof a, side: string): Promise<void> => {
        for (let i = 0; i < count; i++) {
          await m.withLock((g) => {
            expect(g.value).toBe(last)
            g.value = last = g.value + 1
            if (lastSide !== side) handOffs++
            lastSide = side
          })
          await nextMacrotask()
        }
      }
      await Promise.all([run(a, 'leader'), run(b, 'follower')])
      expect(last).toBe(1001 + 2 * count)
      expect(await a.withLock((g) => g.value)).toBe(1001 + 2 * count)
      expect(handOffs).toBeGreaterThan(1)
      await pair.close()
    })
  }

  it('under steady contention acquisitions alternate (FIFO across both peers, neither side starves)', async () => {
    const pair = await lockSessions({ latencyMs: 1, jitterMs: 1, random: prng(3) })
    const a = pair.leader.mutex<number>('m', { initial: 0 })
    const b = pair.follower.mutex<number>('m')
    const order: string[] = []
    // Each side asks for its next turn while still holding the lock (and works a little under it),
    // so once the follower's first request is in, both sides always wait.
    const run = async (m: typeof a, side: string, rounds: number): Promise<void> => {
      let next = m.lock()
      for (let i = 0; i < rounds; i++) {
        const g: MutexGuard<number> = await next
        order.push(side)
        g.value += 1
        next = i + 1 < rounds ? m.lock() : Promise.resolve(g)
        await nextMacrotask()
        await g.release()
      }
    }
    const start = await a.lock()
    const follower = run(b, 'F', 100)
    await until(() => a.query().peerWaiting === 1, 'the follower’s request reached the holder')
    const leader = run(a, 'L', 100)
    await start.release()
    await Promise.all([leader, follower])
    expect(order.join('')).toBe('FL'.repeat(100))
    expect(await a.withLock((g) => g.value)).toBe(200)
    await pair.close()
  })
})

describe('NetMutex: Web Locks API', () => {
  it('ifAvailable gives a guard without waiting, or null', async () => {
    const pair = await lockSessions()
    const a = pair.leader.mutex<number>('m', { initial: 0 })
    const b = pair.follower.mutex<number>('m')
    const g = await a.lock({ ifAvailable: true })
    expect(g).not.toBeNull()
    expect(await a.lock({ ifAvailable: true })).toBeNull()
    expect(await b.lock({ ifAvailable: true })).toBeNull() // the token is elsewhere
    expect(await a.withLock((x) => x, { ifAvailable: true })).toBeNull()
    await g!.release()
    expect(pair.followerCounts.forPrefix('m')).toBe(1) // the hello only
    await pair.close()
  })

  it('withLock returns the callback’s result and releases when it throws', async () => {
    const pair = await lockSessions()
    const a = pair.leader.mutex<number>('m', { initial: 1 })
    pair.follower.mutex<number>('m')
    expect(await a.withLock((g) => g.value * 2)).toBe(2)
    await expect(
      a.withLock((g) => {
        g.value = 5
        throw new Error('boom')
      }),
    ).rejects.toThrow('boom')
    // Released, and the write before the throw was committed (like a Web Locks callback's side effects).
    expect(await a.withLock((g) => g!.value, { ifAvailable: true })).toBe(5)
    await pair.close()
  })

  it('await using releases; a released guard throws NetError usage; releasing twice is harmless', async () => {
    const pair = await lockSessions()
    const a = pair.leader.mutex<number>('m', { initial: 1 })
    pair.follower.mutex<number>('m')
    let kept: MutexGuard<number> | undefined
    {
      await using g = await a.lock()
      g.value = 2
      kept = g
    }
    expect(kept.released).toBe(true)
    expect(() => kept!.value).toThrowError(expect.objectContaining({ code: 'usage' }))
    expect(() => {
      kept!.value = 3
    }).toThrowError(NetError)
    await kept.release()
    await kept.release()
    expect(a.query().writing).toBe(false)
    expect(await a.withLock((g) => g!.value, { ifAvailable: true })).toBe(2)
    await pair.close()
  })

  it('epochs grow with every grant, on both sides', async () => {
    const pair = await lockSessions({ latencyMs: 1 })
    const a = pair.leader.mutex<number>('m', { initial: 0 })
    const b = pair.follower.mutex<number>('m')
    const epochs: number[] = []
    for (let i = 0; i < 6; i++) epochs.push(await (i % 3 === 0 ? b : a).withLock((g) => g.epoch))
    expect(epochs).toEqual([...epochs].sort((x, y) => x - y))
    expect(new Set(epochs).size).toBe(6)
    await pair.close()
  })

  it('the change event reports committed and arriving values', async () => {
    const pair = await lockSessions()
    const a = pair.leader.mutex<number>('m', { initial: 0 })
    const b = pair.follower.mutex<number>('m')
    const seen: [number, string][] = []
    b.on('change', (value, origin) => seen.push([value, origin]))
    await until(() => seen.length === 1, 'the leader’s hello arrived')
    await a.withLock((g) => (g.value = 1))
    await b.withLock((g) => (g.value = 2))
    await b.withLock((g) => g.value) // no change, no event
    expect(await a.withLock((g) => g.value)).toBe(2)
    expect(seen).toEqual([
      [0, 'peer'],
      [1, 'peer'],
      [2, 'local'],
    ])
    await pair.close()
  })
})

describe('NetMutex: cancellation', () => {
  it('aborting a queued request removes it on both sides', async () => {
    const pair = await lockSessions({ latencyMs: 1 })
    const a = pair.leader.mutex<number>('m', { initial: 0 })
    const b = pair.follower.mutex<number>('m')
    const held = await a.lock()
    const controller = new AbortController()
    const waiting = b.lock({ signal: controller.signal })
    await until(() => a.query().peerWaiting === 1, 'the request reached the holder')
    controller.abort()
    await rejectionOf(waiting, 'aborted')
    await until(() => a.query().peerWaiting === 0, 'the cancel reached the holder')
    await held.release()
    // The token never moved: the holder locks again with no message.
    pair.resetCounts()
    await a.withLock(() => {}, { ifAvailable: true })
    expect(pair.totalMessages()).toBe(0)
    expect(b.query()).toMatchObject({ state: 'away', waiting: 0 })
    // An already aborted signal rejects at once with its reason.
    await expect(b.lock({ signal: AbortSignal.abort(new NetError('aborted', 'mine')) })).rejects.toThrow('mine')
    await pair.close()
  })

  it('a grant that arrives after its caller aborted is released at once', async () => {
    const pair = await lockSessions({ latencyMs: 1 })
    const a = pair.leader.mutex<number>('m', { initial: 0 })
    const b = pair.follower.mutex<number>('m')
    const controller = new AbortController()
    const waiting = b.lock({ signal: controller.signal })
    pair.followerEnd.pause()
    await until(() => a.query().state === 'away', 'the holder sent the token')
    controller.abort()
    await rejectionOf(waiting, 'aborted')
    pair.followerEnd.resume()
    await until(() => b.query().state === 'home', 'the token arrived')
    expect(b.query()).toMatchObject({ writing: false, waiting: 0 })
    // Nobody holds it: the leader gets it with one request and one grant.
    pair.resetCounts()
    expect(await a.withLock((g) => (g.value = 9))).toBe(9)
    expect(pair.totalMessages()).toBe(2)
    expect(await stateOf(b.lock())).toBe('pending')
    await pair.close()
  })
})
