import { describe, expect, it } from 'vitest'
import { deferred } from '../../../src/base/deferred.js'
import { Session } from '../../../src/session.js'
import { memoryPair } from '../../../src/transport/memory.js'
import { cutMemoryPair, nextResumed, nextSuspended } from '../../helpers/resume-probes.js'

const options = { heartbeatMs: 50, timeoutMs: 2000, resume: { graceMs: 10_000 } }


interface SlowApi {
  /** Answers once the test opens the gate. */
  slow(n: number): number
  count(to: number): AsyncIterable<number>
  ping(): number
}

describe('rpc across a resume', () => {
  it('calls pending across a cut, calls made while suspended and a stream in progress all complete after the resume', async () => {
    const [x, y] = memoryPair({ latencyMs: 1 })
    const [a, b] = await Promise.all([Session.open(x, { ...options, role: 'leader' }), Session.open(y, { ...options, role: 'follower' })])
    const gate = deferred<void>()
    const started: number[] = []
    b.rpc<SlowApi>('slow').handle({
      async slow(n) {
        started.push(n)
        await gate.promise
        return n * 10
      },
      ping: () => 0,
      async *count(to) {
        for (let i = 1; i <= to; i++) yield i
      },
    })
    const api = a.rpc<SlowApi>('slow')
    const before = [1, 2, 3].map((n) => api.call.slow(n))
    const items: number[] = []
    const iterator = api.stream.count(50, { window: 4 })[Symbol.asyncIterator]()
    for (let i = 0; i < 10; i++) items.push((await iterator.next()).value!)
    await api.call.ping() // answered after the three calls before it reached their handler
    expect(started).toEqual([1, 2, 3])
    const suspended = Promise.all([nextSuspended(a), nextSuspended(b)])
    y.pause() // what either side sends now is in flight when the link is cut
    const during = api.call.slow(4)
    cutMemoryPair(x, y)
    await suspended
    const later = api.call.slow(5)
    gate.resolve()
    const [x2, y2] = memoryPair({ latencyMs: 1 })
    await Promise.all([a.resume(x2), b.resume(y2)])
    expect(await Promise.all([...before, during, later])).toEqual([10, 20, 30, 40, 50])
    for (;;) {
      const item = await iterator.next()
      if (item.done === true) break
      items.push(item.value)
    }
    expect(items).toEqual(Array.from({ length: 50 }, (_, i) => i + 1))
    await Promise.all([a.close(), b.close()])
  })
})
