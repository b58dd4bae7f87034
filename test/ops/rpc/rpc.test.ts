import { afterEach, describe, expect, it } from 'vitest'
import { memorySessions, type SessionPair } from '../../helpers/session-pair.js'
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

describe('rpc over a memory pair', () => {
  it('answers a call with one message each way', async () => {
    const pair = await sessions()
    serveTestApi(pair.follower)
    const api = pair.leader.rpc<TestApi>('test')
    expect(await api.call.add(1, 2)).toBe(3)
    pair.resetCounts()
    expect(await api.call.add(20, 22)).toBe(42)
    expect(pair.leaderCounts.total).toBe(1)
    expect(pair.followerCounts.total).toBe(1)
  })

  it("turns a handler's throw into NetError remote with its name and message", async () => {
    const pair = await sessions()
    serveTestApi(pair.follower)
    const err = await expectNetError(pair.leader.rpc<TestApi>('test').call.fail('out of range'), 'remote')
    expect(err.remoteName).toBe('RangeError')
    expect(err.remoteMessage).toBe('out of range')
  })

  it("streams a generator's items in order", async () => {
    const pair = await sessions()
    serveTestApi(pair.follower)
    const seen: number[] = []
    for await (const n of pair.leader.rpc<TestApi>('test').stream.count(1000, { window: 8 })) seen.push(n)
    expect(seen).toEqual(Array.from({ length: 1000 }, (_, i) => i + 1))
  })

  it("an abort reaches the handler's signal", async () => {
    const pair = await sessions()
    const log = serveTestApi(pair.follower)
    const controller = new AbortController()
    const call = pair.leader.rpc<TestApi>('test').call.hang('a', { signal: controller.signal })
    await pair.leader.rpc<TestApi>('test').call.add(0, 0) // the hang call has reached the handler
    controller.abort()
    await expectNetError(call, 'aborted')
    const reason = await log.abortOf('a')
    expect(reason).toMatchObject({ code: 'aborted' })
  })
})
