import { afterEach, describe, expect, it } from 'vitest'
import { openSessions, type SessionPair } from '../../helpers/session-pair.js'
import { nodeDataChannelPair } from '../../helpers/webrtc-pair.js'
import { expectNetError, serveTestApi, type TestApi } from './rpc-helpers.js'

// rpc over a real WebRTC DataChannel in Node (node-datachannel, loopback only).
describe('rpc over real WebRTC (node-datachannel)', () => {
  let teardown: Array<() => Promise<void>> = []
  afterEach(async () => {
    for (const close of teardown.reverse()) await close()
    teardown = []
  })

  async function sessions(): Promise<SessionPair> {
    const frames = await nodeDataChannelPair()
    teardown.push(() => frames.close())
    const pair = await openSessions([frames.a, frames.b])
    teardown.push(() => pair.close())
    return pair
  }

  it('answers 1,000 concurrent calls once each, carries a remote error, and streams 20,000 items in order', async () => {
    const pair = await sessions()
    serveTestApi(pair.follower)
    const api = pair.leader.rpc<TestApi>('test')
    const sums = await Promise.all(Array.from({ length: 1000 }, (_, i) => api.call.add(i, 1)))
    expect(sums).toEqual(Array.from({ length: 1000 }, (_, i) => i + 1))
    expect((await expectNetError(api.call.fail('no'), 'remote')).remoteName).toBe('RangeError')
    let expected = 1
    for await (const n of api.stream.count(20_000, { window: 64 })) {
      if (n !== expected) throw new Error(`item ${n} arrived where ${expected} was due`)
      expected++
    }
    expect(expected).toBe(20_001)
  })

  it("an abort and a timeout reach the handler's signal; leaving a stream's loop returns its generator", async () => {
    const pair = await sessions()
    const log = serveTestApi(pair.follower)
    const api = pair.leader.rpc<TestApi>('test')
    const controller = new AbortController()
    const aborted = api.call.hang('abort', { signal: controller.signal })
    const timedOut = api.call.hang('timeout', { signal: AbortSignal.timeout(50) })
    await api.call.add(0, 0) // both hang calls reached their handlers
    controller.abort()
    await Promise.all([expectNetError(aborted, 'aborted'), expectNetError(timedOut, 'aborted')])
    expect(await log.abortOf('abort')).toMatchObject({ code: 'aborted' })
    expect(await log.abortOf('timeout')).toMatchObject({ code: 'aborted' })
    for await (const n of api.stream.count(1e9, { window: 8 })) if (n === 100) break
    await api.call.add(0, 0) // the cancel went before this call; its handler then returned
    await api.call.add(0, 0)
    expect(log.returned).toBe(1)
  })
})
