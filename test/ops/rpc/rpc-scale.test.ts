import { afterEach, describe, expect, it } from 'vitest'
import { memorySessions, type SessionPair } from '../../helpers/session-pair.js'
import { delivered } from '../../helpers/session-probes.js'
import { sessionCore } from '../../../src/session.js'
import { serveTestApi, type TestApi } from './rpc-helpers.js'

let open: SessionPair[] = []
afterEach(async () => {
  await Promise.all(open.map((pair) => pair.close()))
  open = []
})

describe('rpc at scale over a memory pair', () => {
  it('answers 10,000 concurrent calls, each exactly once and with its own result, in 20,000 messages', async () => {
    const pair = await memorySessions({ latencyMs: 1 })
    open.push(pair)
    const runs = new Map<number, number>()
    pair.follower.rpc<{ square(n: number): number }>('sq').handle({
      square(n) {
        runs.set(n, (runs.get(n) ?? 0) + 1)
        return n * n
      },
    })
    const api = pair.leader.rpc<{ square(n: number): number }>('sq')
    await api.call.square(0)
    runs.clear()
    pair.resetCounts()
    const settled = new Map<number, number>()
    const calls = Array.from({ length: 10_000 }, (_, n) =>
      api.call.square(n).then((value) => {
        settled.set(n, (settled.get(n) ?? 0) + 1)
        return value
      }),
    )
    const results = await Promise.all(calls)
    expect(results.every((value, n) => value === n * n)).toBe(true)
    expect(runs.size).toBe(10_000)
    expect([...runs.values()].every((count) => count === 1)).toBe(true)
    expect([...settled.values()].every((count) => count === 1) && settled.size === 10_000).toBe(true)
    expect(pair.totalMessages()).toBe(20_000)
    await delivered(pair)
    expect(sessionCore(pair.follower).stats.heldBytes).toBeLessThan(4096)
  })

  it('streams 100,000 items in order, the handler never more than the window ahead of the reader', async () => {
    const pair = await memorySessions({ latencyMs: 0 })
    open.push(pair)
    const log = serveTestApi(pair.follower)
    const window = 32
    let expected = 1
    let worstLead = 0
    let peakHeld = 0
    for await (const n of pair.leader.rpc<TestApi>('test').stream.count(100_000, { window })) {
      if (n !== expected) throw new Error(`item ${n} arrived where ${expected} was due`)
      expected++
      worstLead = Math.max(worstLead, log.produced - n)
      peakHeld = Math.max(peakHeld, pair.leader.stats.heldBytes)
      // Now and then give the handler every chance to run ahead: everything in flight arrives.
      if (n % 10_000 === 0) {
        await delivered(pair)
        worstLead = Math.max(worstLead, log.produced - n)
      }
    }
    expect(expected).toBe(100_001)
    expect(worstLead).toBeLessThanOrEqual(window)
    expect(worstLead).toBeGreaterThan(0)
    // What the reader's side held for the stream: at most a window of small items (~600 bytes each as charged).
    expect(peakHeld).toBeLessThan(window * 1024)
  }, 60_000)
})
