import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'
import { describe, expect, it } from 'vitest'
import { memorySessions, type SessionPair } from '../../helpers/session-pair.js'
import { sessionCore } from '../../../src/session.js'
import type { Scope } from '../../../src/scope.js'

const SCOPES = 10_000
/** Scopes in use at once. */
const CONCURRENT = 100
/** The smallest leak per scope the test must catch. */
const LEAK_PER_SCOPE = 1024

/** Opens scope `name` on both sides and uses it: an exchange, a channel message each way, a mutex hand-off each way. */
async function useScope(pair: SessionPair, name: string): Promise<[Scope, Scope]> {
  const a = pair.leader.scope(name)
  const b = pair.follower.scope(name)
  await Promise.all([a.exchange(1), b.exchange(2)])
  const [ca, cb] = [a.channel<number>('c'), b.channel<number>('c')]
  await Promise.all([ca.send(1), cb.send(2)])
  await Promise.all([ca[Symbol.asyncIterator]().next(), cb[Symbol.asyncIterator]().next()])
  const [ma, mb] = [a.mutex<number>('m', { initial: 0 }), b.mutex<number>('m')]
  await mb.withLock((g) => (g.value += 1))
  await ma.withLock((g) => (g.value += 1))
  return [a, b]
}

/** Uses `count` scopes (`prefix:i`), `CONCURRENT` at a time; closes each on both sides (unless `keep`). */
async function churn(pair: SessionPair, prefix: string, count: number, keep?: Scope[]): Promise<void> {
  for (let start = 0; start < count; start += CONCURRENT) {
    const batch = Array.from({ length: Math.min(CONCURRENT, count - start) }, async (_, j) => {
      const [a, b] = await useScope(pair, `${prefix}:${start + j}`)
      if (keep !== undefined) return void keep.push(a, b)
      // One side closes first (alternating); the other answers its FIN, and closing it too is harmless.
      await ((start + j) % 2 === 0 ? a : b).close()
      await Promise.all([a.closed, b.closed])
    })
    await Promise.all(batch)
  }
}

describe('closed scopes leave nothing behind', () => {
  it(`${SCOPES.toLocaleString('en')} scopes opened, used and closed keep the heap flat`, async () => {
    const pair = await memorySessions({}, { leader: { heartbeatMs: 1000, timeoutMs: 60_000 }, follower: { heartbeatMs: 1000, timeoutMs: 60_000 } })
    setFlagsFromString('--expose-gc')
    const gc = runInNewContext('gc') as () => void
    const heap = (): number => {
      pair.resetCounts() // the test's counters keep an entry per key: not the library's memory
      gc()
      gc()
      return process.memoryUsage().heapUsed
    }
    await churn(pair, 'warm', 1000)
    const beforeKept = heap()
    const kept: Scope[] = []
    await churn(pair, 'kept', 1000, kept)
    const perScope = (heap() - beforeKept) / 1000
    await Promise.all(kept.map((scope) => scope.close()))
    kept.length = 0
    const before = heap()
    await churn(pair, 'scope', SCOPES)
    const grown = heap() - before
    const limit = (SCOPES * Math.min(perScope, LEAK_PER_SCOPE)) / 2
    console.log(
      `scope heap: an open scope in use (both sides) holds ${(perScope / 1024).toFixed(1)} KiB; ` +
        `${SCOPES} scopes used and closed grew the heap by ${(grown / 1024).toFixed(0)} KiB (limit ${(limit / 1024).toFixed(0)} KiB)`,
    )
    expect(perScope, 'an open scope must weigh at least the leak this test is meant to catch').toBeGreaterThan(LEAK_PER_SCOPE)
    expect(grown).toBeLessThan(limit)
    for (const session of [pair.leader, pair.follower]) {
      expect(sessionCore(session).scopes.size).toBe(0)
      expect(session.stats).toMatchObject({ openOperations: 0, heldMessages: 0, heldBytes: 0 })
    }
    await pair.close()
  }, 120_000)
})
