import { afterEach, describe, expect, it } from 'vitest'
import { NetError } from '../../../src/base/errors.js'
import { RPC_HANDLER_WAIT_MS } from '../../../src/session.js'
import { memorySessions, type SessionPair } from '../../helpers/session-pair.js'
import { delivered } from '../../helpers/session-probes.js'
import { expectNetError, serveTestApi, type TestApi } from './rpc-helpers.js'

let open: SessionPair[] = []
afterEach(async () => {
  await Promise.all(open.map((pair) => pair.close()))
  open = []
})

async function sessions(latencyMs = 1, jitterMs = 0) {
  const pair = await memorySessions({ latencyMs, jitterMs })
  open.push(pair)
  return pair
}

describe('rpc calls over a memory pair', () => {
  it('answers a call with one message each way, the same service on every rpc(name)', async () => {
    const pair = await sessions()
    serveTestApi(pair.follower)
    const api = pair.leader.rpc<TestApi>('test')
    expect(pair.leader.rpc<TestApi>('test')).toBe(api)
    expect(await api.call.add(1, 2)).toBe(3)
    pair.resetCounts()
    expect(await api.call.add(20, 22)).toBe(42)
    expect([pair.leaderCounts.total, pair.followerCounts.total]).toEqual([1, 1])
  })

  it('serves and calls in both directions on one service name', async () => {
    const pair = await sessions()
    serveTestApi(pair.follower)
    serveTestApi(pair.leader)
    const results = await Promise.all([pair.leader.rpc<TestApi>('test').call.add(1, 1), pair.follower.rpc<TestApi>('test').call.add(2, 2)])
    expect(results).toEqual([2, 4])
  })

  it("turns a handler's throw into NetError remote with its name and message", async () => {
    const pair = await sessions()
    serveTestApi(pair.follower)
    const err = await expectNetError(pair.leader.rpc<TestApi>('test').call.fail('out of range'), 'remote')
    expect([err.remoteName, err.remoteMessage]).toEqual(['RangeError', 'out of range'])
  })

  it('rejects at once a method the handlers lack, and a call or stream of the wrong kind', async () => {
    const pair = await sessions()
    serveTestApi(pair.follower)
    const api = pair.leader.rpc<TestApi & { missing(): void; toString(): string }>('test')
    expect((await expectNetError(api.call.missing(), 'remote')).remoteName).toBe('NoSuchMethod')
    expect((await expectNetError(api.call.toString(), 'remote')).remoteName).toBe('NoSuchMethod')
    /** The same methods called as the other kind. */
    const untyped = pair.leader.rpc<{ count(to: number): number; add(a: number, b: number): AsyncIterable<number> }>('test')
    expect((await expectNetError(untyped.call.count(3), 'remote')).remoteName).toBe('TypeError')
    const wrong = (async () => {
      for await (const _ of untyped.stream.add(1, 2)) void _
    })()
    expect((await expectNetError(wrong, 'remote')).remoteName).toBe('TypeError')
  })

  it('rejects arguments that cannot be encoded with usage, and keeps serving later calls', async () => {
    const pair = await sessions()
    serveTestApi(pair.follower)
    const api = pair.leader.rpc<{ add(a: unknown, b: number): number }>('test')
    await expectNetError(api.call.add(() => 1, 2), 'usage')
    expect(await api.call.add(2, 3)).toBe(5)
  })

  it('a result that cannot be encoded reaches the caller as remote', async () => {
    const pair = await sessions()
    pair.follower.rpc<{ fn(): unknown }>('odd').handle({ fn: () => () => 1 })
    const err = await expectNetError(pair.leader.rpc<{ fn(): unknown }>('odd').call.fn(), 'remote')
    expect(err.remoteName).toBe('NetError')
  })

  it('a stream whose handler throws gives the items yielded before, then NetError remote', async () => {
    const pair = await sessions()
    pair.follower.rpc<{ some(n: number): AsyncIterable<number> }>('s').handle({
      async *some(n) {
        for (let i = 1; i <= n; i++) yield i
        throw new TypeError('ran out')
      },
    })
    const seen: number[] = []
    const reading = (async () => {
      for await (const i of pair.leader.rpc<{ some(n: number): AsyncIterable<number> }>('s').stream.some(3)) seen.push(i)
    })()
    const err = await expectNetError(reading, 'remote')
    expect([seen, err.remoteName, err.remoteMessage]).toEqual([[1, 2, 3], 'TypeError', 'ran out'])
  })

  it('a call or stream with an already aborted signal rejects at once and sends nothing', async () => {
    const pair = await sessions()
    serveTestApi(pair.follower)
    const api = pair.leader.rpc<TestApi>('test')
    await api.call.add(0, 0)
    pair.resetCounts()
    const signal = AbortSignal.abort()
    await expectNetError(api.call.add(1, 2, { signal }), 'aborted')
    const loop = (async () => {
      for await (const _ of api.stream.count(3, { signal })) void _
    })()
    await expectNetError(loop, 'aborted')
    expect(pair.leaderCounts.total).toBe(0)
  })

  it('a call made before the peer handles the service waits for the handler', async () => {
    const pair = await sessions()
    const call = pair.leader.rpc<TestApi>('late').call.add(4, 5)
    await delivered(pair)
    serveTestApi(pair.follower, 'late')
    expect(await call).toBe(9)
  })

  it(`a call to a service the peer never handles rejects with remote NoHandler after ${RPC_HANDLER_WAIT_MS} ms`, async () => {
    const pair = await sessions()
    const started = performance.now()
    const err = await expectNetError(pair.leader.rpc<TestApi>('nobody').call.add(1, 2), 'remote')
    expect(err.remoteName).toBe('NoHandler')
    expect(performance.now() - started).toBeGreaterThanOrEqual(RPC_HANDLER_WAIT_MS - 5)
    expect(pair.follower.stats.heldBytes).toBeLessThan(4096)
  })

  it('handle() refuses a second handler until the first stops', async () => {
    const pair = await sessions()
    const api = pair.follower.rpc<TestApi>('h')
    const stop = api.handle({ add: (a, b) => a + b, fail: () => {}, hang: () => '', count: () => [] })
    expect(() => api.handle({ add: (a, b) => a * b, fail: () => {}, hang: () => '', count: () => [] })).toThrow(NetError)
    stop()
    api.handle({ add: (a, b) => a * b, fail: () => {}, hang: () => '', count: () => [1, 2] })
    const caller = pair.leader.rpc<TestApi>('h')
    expect(await caller.call.add(3, 4)).toBe(12)
    const items: number[] = []
    for await (const n of caller.stream.count(0)) items.push(n)
    expect(items).toEqual([1, 2])
  })

  it('rejects bad names and options with usage', async () => {
    const pair = await sessions()
    expect(() => pair.leader.rpc('')).toThrow(NetError)
    const api = pair.leader.rpc<TestApi>('test')
    expect(() => api.stream.count(3, { window: 0 })).toThrow(NetError)
    expect(() => api.handle(null as never)).toThrow(NetError)
  })
})

describe('rpc cancellation', () => {
  it("an abort rejects the call at once and aborts the handler's signal", async () => {
    const pair = await sessions()
    const log = serveTestApi(pair.follower)
    const api = pair.leader.rpc<TestApi>('test')
    const controller = new AbortController()
    const call = api.call.hang('a', { signal: controller.signal })
    await api.call.add(0, 0) // the hang call reached its handler before this answer came back
    controller.abort()
    await expectNetError(call, 'aborted')
    expect(await log.abortOf('a')).toMatchObject({ code: 'aborted' })
  })

  it("a timeout (AbortSignal.timeout) aborts the handler's signal", async () => {
    const pair = await sessions()
    const log = serveTestApi(pair.follower)
    const err = await expectNetError(pair.leader.rpc<TestApi>('test').call.hang('t', { signal: AbortSignal.timeout(20) }), 'aborted')
    expect((err.cause as Error).name).toBe('TimeoutError')
    expect(await log.abortOf('t')).toMatchObject({ code: 'aborted' })
  })

  it('leaving a stream loop early cancels the handler: its generator is returned', async () => {
    const pair = await sessions()
    const log = serveTestApi(pair.follower)
    let seen = 0
    for await (const n of pair.leader.rpc<TestApi>('test').stream.count(1_000_000, { window: 4 })) {
      seen = n
      if (n === 10) break
    }
    expect(seen).toBe(10)
    await delivered(pair)
    expect(log.returned).toBe(1)
    expect(log.produced).toBeLessThanOrEqual(10 + 4)
  })

  it('calls given up while waiting for a handler leave nothing behind, and the session stays open', async () => {
    const pair = await sessions()
    const api = pair.leader.rpc<TestApi>('never')
    await expectNetError(api.call.add(0, 0, { signal: AbortSignal.timeout(1) }), 'aborted')
    await delivered(pair) // the service the peer opened for these calls is charged once, from here on
    const base = pair.follower.stats.heldBytes
    for (let round = 0; round < 5; round++) {
      const calls = Array.from({ length: 200 }, (_, i) => api.call.add(i, i, { signal: AbortSignal.timeout(1) }))
      await Promise.all(calls.map((call) => expectNetError(call, 'aborted')))
    }
    await delivered(pair)
    expect(pair.follower.stats.heldBytes).toBe(base)
    expect([pair.leader.state, pair.follower.state]).toEqual(['open', 'open'])
  })

  it('the session closing rejects every pending call and stream, and aborts every handler', async () => {
    const pair = await sessions()
    const log = serveTestApi(pair.follower)
    const api = pair.leader.rpc<TestApi>('test')
    const hanging = api.call.hang('c')
    const streaming = (async () => {
      for await (const _ of api.stream.count(1e9, { window: 2 })) void _
    })()
    await api.call.add(0, 0)
    const rejections = [expectNetError(hanging, 'closed'), expectNetError(streaming, 'closed')]
    await pair.leader.close()
    await Promise.all(rejections)
    expect(await log.abortOf('c')).toMatchObject({ code: 'closed' })
    await expectNetError(api.call.add(1, 1), 'closed')
  })
})
