import { describe, expect, it } from 'vitest'
import type { ReadGuard } from '../../../src/ops/lock/lock-guard.js'
import type { NetRwLock } from '../../../src/ops/lock/rwlock.js'
import { prng } from '../../helpers/prng.js'
import { lockSessions, until } from './lock-harness.js'
import { nextMacrotask, rejectionOf, stateOf } from '../../helpers/promises.js'

async function holdReads<T>(lock: NetRwLock<T>, count: number): Promise<ReadGuard<T>[]> {
  return Promise.all(Array.from({ length: count }, () => lock.read()))
}

async function releaseAll(guards: { release(): Promise<void> }[]): Promise<void> {
  await Promise.all(guards.map((g) => g.release()))
}

describe('NetRwLock: the original’s scenarios', () => {
  it('many writes: both sides increment through write(), each sees the previous value', async () => {
    const pair = await lockSessions()
    const a = pair.leader.rwlock<number>('rw', { initial: 1000 })
    const b = pair.follower.rwlock<number>('rw')
    let last = 1000
    const run = async (lock: NetRwLock<number>): Promise<void> => {
      for (let i = 0; i < 300; i++) {
        await lock.withWrite((g) => {
          expect(g.value).toBe(last)
          g.value = last = g.value + 1
        })
        await nextMacrotask()
      }
    }
    await Promise.all([run(a), run(b)])
    expect(await b.withRead((g) => g.value)).toBe(1600)
    await pair.close()
  })

  it('1,000 read guards held at once on each side, after a write hand-off', async () => {
    const pair = await lockSessions({ latencyMs: 1 })
    const a = pair.leader.rwlock<number>('rw', { initial: 1000 })
    const b = pair.follower.rwlock<number>('rw')
    await b.withWrite((g) => (g.value = 1001))
    expect(await a.withRead((g) => g.value)).toBe(1001)
    pair.resetCounts()
    const [ra, rb] = await Promise.all([holdReads(a, 1000), holdReads(b, 1000)])
    expect(a.query().readers).toBe(1000)
    expect(b.query().readers).toBe(1000)
    expect([...ra, ...rb].every((g) => g.value === 1001)).toBe(true)
    // The leader's read above took the lease from the follower (who wrote last): no more messages.
    expect(pair.totalMessages()).toBe(0)
    expect(a.query().state).toBe('leased')
    await releaseAll([...ra, ...rb])
    await pair.close()
  })

  it('1,000 reads held on each side without any write first (no initial value)', async () => {
    const pair = await lockSessions({ latencyMs: 1 })
    const a = pair.leader.rwlock<number>('rw')
    const b = pair.follower.rwlock<number>('rw')
    const [ra, rb] = await Promise.all([holdReads(a, 1000), holdReads(b, 1000)])
    expect(a.query()).toMatchObject({ readers: 1000, state: 'lent' })
    expect(b.query()).toMatchObject({ readers: 1000, state: 'leased' })
    expect(rb.every((g) => g.value === undefined)).toBe(true)
    await releaseAll([...ra, ...rb])
    await pair.close()
  })

  it('many reads, then a write from each side', async () => {
    const pair = await lockSessions({ latencyMs: 1 })
    const a = pair.leader.rwlock<number>('rw', { initial: 1000 })
    const b = pair.follower.rwlock<number>('rw')
    const [ra, rb] = await Promise.all([holdReads(a, 1000), holdReads(b, 1000)])
    const write = b.write()
    await until(() => a.query().peerWaiting === 1, 'the write request reached the holder')
    expect(await stateOf(write)).toBe('pending')
    await releaseAll(ra)
    // The token moved to the writer's side; its own readers still hold, so it waits for them.
    await until(() => b.query().state === 'home', 'the token moved')
    expect(await stateOf(write)).toBe('pending')
    await releaseAll(rb)
    const w = await write
    expect(w.value).toBe(1000)
    w.value = 1001
    await w.release()
    expect(await a.withWrite((g) => (g.value += 1))).toBe(1002)
    expect(await b.withRead((g) => g.value)).toBe(1002)
    await pair.close()
  })

  it('reads and writes interleaved from both sides: every read sees the last write', async () => {
    const pair = await lockSessions({ latencyMs: 1, jitterMs: 1, random: prng(11) })
    const a = pair.leader.rwlock<number>('rw', { initial: 0 })
    const b = pair.follower.rwlock<number>('rw')
    let last = 0
    let writes = 0
    const run = async (lock: NetRwLock<number>, base: number): Promise<void> => {
      for (let i = 0; i < 100; i++) {
        await lock.withWrite((g) => {
          g.value = last = base + i
          writes++
        })
        await lock.withRead((g) => expect(g.value).toBe(last))
        await nextMacrotask()
      }
    }
    await Promise.all([run(a, 1_000_000), run(b, 2_000_000)])
    expect(writes).toBe(200)
    await pair.close()
  })
})

describe('NetRwLock: the read lease', () => {
  it('both sides read at once; re-reading under the lease costs nothing; a write recalls it', async () => {
    const pair = await lockSessions({ latencyMs: 1 })
    const a = pair.leader.rwlock<string>('rw', { initial: 'v1' })
    const b = pair.follower.rwlock<string>('rw')
    await until(() => b.peek() === 'v1', 'the hello arrived')
    pair.resetCounts()
    const here = await a.read()
    const there = await b.read()
    expect(pair.totalMessages()).toBe(2) // request + lease
    expect(a.query()).toMatchObject({ state: 'lent', readers: 1 })
    expect(b.query()).toMatchObject({ state: 'leased', readers: 1 })
    await Promise.all([here.release(), there.release()])
    pair.resetCounts()
    for (let i = 0; i < 100; i++) await b.withRead((g) => g.value)
    const kept = await b.read({ ifAvailable: true })
    expect(kept).not.toBeNull()
    expect(pair.totalMessages()).toBe(0)
    // The follower still holds a read: the holder's write recalls the lease and waits for it.
    const write = a.write()
    await until(() => b.query().state === 'recalled', 'the recall arrived')
    expect(await stateOf(write)).toBe('pending')
    expect(await b.read({ ifAvailable: true })).toBeNull() // no reader barges in ahead of the writer
    const pendingRead = b.read()
    await until(() => a.query().peerWaiting === 1, 'the read request queued behind the writer')
    expect(pair.totalMessages()).toBe(2) // recall + request
    await kept!.release()
    const w = await write
    expect(pair.totalMessages()).toBe(3) // + return
    w.value = 'v2'
    expect(await stateOf(pendingRead)).toBe('pending')
    await w.release()
    expect((await pendingRead).value).toBe('v2')
    await pair.close()
  })

  it('a reader queued behind a waiting writer waits (no reader barging), on both sides', async () => {
    const pair = await lockSessions({ latencyMs: 1 })
    const a = pair.leader.rwlock<number>('rw', { initial: 0 })
    const b = pair.follower.rwlock<number>('rw')
    const r1 = await a.read()
    const w = b.write()
    await until(() => a.query().peerWaiting === 1, 'the write reached the holder')
    const r2 = a.read()
    const r3 = b.read()
    expect(await stateOf(r2)).toBe('pending')
    await until(() => a.query().peerWaiting === 2, 'the follower’s read queued behind its write')
    expect(await stateOf(r3)).toBe('pending')
    expect(await a.read({ ifAvailable: true })).toBeNull()
    await r1.release()
    const wg = await w
    wg.value = 5
    expect(await stateOf(r2)).toBe('pending')
    expect(await stateOf(r3)).toBe('pending')
    await wg.release()
    expect((await r3).value).toBe(5)
    expect((await r2).value).toBe(5)
    await pair.close()
  })

  it('a writer excludes readers on both sides', async () => {
    const pair = await lockSessions({ latencyMs: 1 })
    const a = pair.leader.rwlock<number>('rw', { initial: 0 })
    const b = pair.follower.rwlock<number>('rw')
    const w = await a.write()
    const reads = [a.read(), b.read()]
    await until(() => a.query().peerWaiting === 1, 'the follower’s read reached the holder')
    expect(await stateOf(reads[0]!)).toBe('pending')
    expect(await stateOf(reads[1]!)).toBe('pending')
    w.value = 1
    await w.release()
    const [x, y] = await Promise.all(reads)
    expect([x!.value, y!.value]).toEqual([1, 1])
    expect(x!.epoch).toBe(y!.epoch) // one read phase
    expect(x!.epoch).toBeGreaterThan(w.epoch)
    expect(() => {
      ;(x as unknown as { value: number }).value = 2
    }).toThrowError(expect.objectContaining({ code: 'usage' }))
    await pair.close()
  })

  it('aborting a queued write lets the readers behind it through', async () => {
    const pair = await lockSessions({ latencyMs: 1 })
    const a = pair.leader.rwlock<number>('rw', { initial: 0 })
    const b = pair.follower.rwlock<number>('rw')
    const held = await a.read()
    const controller = new AbortController()
    const w = b.write({ signal: controller.signal })
    await until(() => a.query().peerWaiting === 1, 'the write reached the holder')
    const r = a.read()
    expect(await stateOf(r)).toBe('pending')
    controller.abort()
    await rejectionOf(w, 'aborted')
    await (await r).release()
    await held.release()
    expect(b.query()).toMatchObject({ state: 'away', waiting: 0 })
    expect(await a.write({ ifAvailable: true })).not.toBeNull()
    await pair.close()
  })

  it('a lease that arrives after its reader aborted goes unused, and goes back at once on recall', async () => {
    const pair = await lockSessions({ latencyMs: 1 })
    const a = pair.leader.rwlock<number>('rw', { initial: 0 })
    const b = pair.follower.rwlock<number>('rw')
    await until(() => pair.totalMessages() === 2, 'the hellos went out')
    const controller = new AbortController()
    pair.followerEnd.pause()
    const read = b.read({ signal: controller.signal })
    await until(() => a.query().state === 'lent', 'the lease left the holder')
    controller.abort()
    await rejectionOf(read, 'aborted')
    pair.followerEnd.resume()
    await until(() => b.query().state === 'leased', 'the lease arrived')
    expect(b.query()).toMatchObject({ readers: 0, waiting: 0 })
    expect(await a.withWrite((g) => (g.value = 1))).toBe(1)
    expect(b.query().state).toBe('away')
    await pair.close()
  })
})
