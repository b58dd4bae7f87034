import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'
import { describe, expect, it } from 'vitest'
import type { NetMutex } from '../../../src/ops/lock/mutex.js'
import type { NetRwLock } from '../../../src/ops/lock/rwlock.js'
import { lockSessions } from './lock-harness.js'

type Pair = Awaited<ReturnType<typeof lockSessions>>
type Lock = NetMutex<number> | NetRwLock<number>

const KEYS = 10_000
/** Keys in use at once: enough to keep both event loops busy, few enough to stay light. */
const CONCURRENT = 100
/** The smallest leak per lock the test must catch. */
const LEAK_PER_LOCK = 1024

/** Opens `key` on both sides as a mutex or an rwlock, with one hand-off each way (and a read for the rwlock). */
async function useKey(pair: Pair, key: string, rw: boolean): Promise<[Lock, Lock]> {
  if (rw) {
    const a = pair.leader.rwlock<number>(key, { initial: 0 })
    const b = pair.follower.rwlock<number>(key)
    await b.withWrite((g) => (g.value += 1))
    await a.withWrite((g) => (g.value += 1))
    await b.withRead((g) => g.value)
    return [a, b]
  }
  const a = pair.leader.mutex<number>(key, { initial: 0 })
  const b = pair.follower.mutex<number>(key)
  await b.withLock((g) => (g.value += 1))
  await a.withLock((g) => (g.value += 1))
  return [a, b]
}

/** Uses `count` keys (`prefix:i`), `CONCURRENT` at a time; closes each lock (from alternating sides) unless `keep`. */
async function churn(pair: Pair, prefix: string, count: number, keep?: Lock[]): Promise<void> {
  for (let start = 0; start < count; start += CONCURRENT) {
    const batch = Array.from({ length: Math.min(CONCURRENT, count - start) }, async (_, j) => {
      const i = start + j
      const [a, b] = await useKey(pair, `${prefix}:${i}`, i % 2 === 1)
      if (keep !== undefined) return void keep.push(a, b)
      // Once the closer's close resolved, the peer has closed and freed the key too.
      await (i % 3 === 0 ? b : a).close()
    })
    await Promise.all(batch)
  }
}

describe('closed locks leave nothing behind', () => {
  it(`${KEYS.toLocaleString('en')} lock keys used from both sides and closed keep the heap flat`, async () => {
    // Setting up 10,000 locks keeps the event loops busy: no heartbeat verdicts here.
    const pair = await lockSessions({}, { heartbeatMs: 1000, timeoutMs: 60_000 })
    setFlagsFromString('--expose-gc')
    const gc = runInNewContext('gc') as () => void
    const heap = (): number => {
      // The test's message counters keep an entry per key: not the library's memory.
      pair.resetCounts()
      gc()
      gc()
      return process.memoryUsage().heapUsed
    }
    // What one lock (both sides) costs while open: the size a leak per lock would have.
    await churn(pair, 'warm', 1000)
    const beforeKept = heap()
    const kept: Lock[] = []
    await churn(pair, 'kept', 1000, kept)
    const perLock = (heap() - beforeKept) / 1000
    await Promise.all(kept.map((lock) => lock.close()))
    kept.length = 0
    // The measurement: the same work, 10,000 keys, every lock closed.
    const before = heap()
    await churn(pair, 'key', KEYS)
    const grown = heap() - before
    // Half of what 10,000 leaks of LEAK_PER_LOCK (or of a whole open lock, if that is smaller) would add.
    const limit = (KEYS * Math.min(perLock, LEAK_PER_LOCK)) / 2
    console.log(
      `lock close heap: an open lock (both sides) holds ${(perLock / 1024).toFixed(1)} KiB; ` +
        `${KEYS} keys used and closed grew the heap by ${(grown / 1024).toFixed(0)} KiB (limit ${(limit / 1024).toFixed(0)} KiB)`,
    )
    expect(perLock, 'an open lock must weigh at least the leak this test is meant to catch').toBeGreaterThan(LEAK_PER_LOCK)
    expect(grown).toBeLessThan(limit)
    expect(pair.leader.stats).toMatchObject({ openOperations: 0, heldMessages: 0 })
    expect(pair.follower.stats).toMatchObject({ openOperations: 0, heldMessages: 0 })
    await pair.close()
  })
})
