import { describe, expect, it } from 'vitest'
import { Session } from '../../../src/session.js'
import { rejectionOf } from '../../helpers/promises.js'
import { NetError } from '../../../src/base/errors.js'
import { nextMacrotask } from '../../../src/base/macrotask.js'
import type { SessionOptions } from '../../../src/core/options.js'
import { memoryPair, type MemoryFrameChannel } from '../../../src/transport/memory.js'
import { cutMemoryPair, nextResumed, nextSuspended } from '../../helpers/resume-probes.js'

const options = (graceMs = 10_000): SessionOptions => ({ heartbeatMs: 50, timeoutMs: 2000, resume: { graceMs } })


async function openPair(graceMs?: number): Promise<{ a: Session; b: Session; x: MemoryFrameChannel; y: MemoryFrameChannel }> {
  const [x, y] = memoryPair({ latencyMs: 1 })
  const [a, b] = await Promise.all([Session.open(x, { ...options(graceMs), role: 'leader' }), Session.open(y, { ...options(graceMs), role: 'follower' })])
  return { a, b, x, y }
}

describe('session resume over a new memory pair', () => {
  it('suspends on a cut, queues operations, and resumes with both sides calling at once; channel messages in flight arrive once, in order', async () => {
    const { a, b, x, y } = await openPair()
    const [ca, cb] = [a.channel<number>('c'), b.channel<number>('c')]
    const received: number[] = []
    const reading = (async () => {
      for await (const n of cb) received.push(n)
    })()
    for (let i = 0; i < 5; i++) await ca.send(i)
    y.pause() // what a sends now is in flight when the link is cut
    for (let i = 5; i < 10; i++) await ca.send(i)
    const suspended = Promise.all([nextSuspended(a), nextSuspended(b)])
    cutMemoryPair(x, y)
    await suspended
    expect([a.state, b.state]).toEqual(['suspended', 'suspended'])
    const exchanged = Promise.all([a.exchange('from a', { key: 'during' }), b.exchange('from b', { key: 'during' })])
    const sending = ca.send(10)

    const [x2, y2] = memoryPair({ latencyMs: 1 })
    await Promise.all([a.resume(x2), b.resume(y2)])
    expect([a.state, b.state]).toEqual(['open', 'open'])
    expect(await exchanged).toEqual(['from b', 'from a'])
    await sending
    await ca.close()
    await reading
    expect(received).toEqual(Array.from({ length: 11 }, (_, i) => i))
    await Promise.all([a.close(), b.close()])
    expect((await b.closed).code).toBe('closed')
  })

  it('resumes when one side calls first and the other later', async () => {
    const { a, b, x, y } = await openPair()
    const suspended = Promise.all([nextSuspended(a), nextSuspended(b)])
    cutMemoryPair(x, y)
    await suspended
    const [x2, y2] = memoryPair()
    const first = a.resume(x2)
    for (let i = 0; i < 5; i++) await nextMacrotask()
    await Promise.all([first, b.resume(y2)])
    const values = await Promise.all([a.join(async () => 'a'), b.join(async () => 'b')])
    expect(values).toEqual(['a', 'b'])
    await Promise.all([a.close(), b.close()])
  })

  it('closes with timeout when graceMs passes, rejecting what was pending', async () => {
    const { a, b, x, y } = await openPair(100)
    const suspended = Promise.all([nextSuspended(a), nextSuspended(b)])
    cutMemoryPair(x, y)
    await suspended
    const pending = a.exchange(1, { key: 'never' }).catch((err: unknown) => err as NetError)
    const [ra, rb] = await Promise.all([a.closed, b.closed])
    expect([ra.code, rb.code]).toEqual(['timeout', 'timeout'])
    expect(ra.message).toMatch(/graceMs/)
    expect(((await pending) as NetError).code).toBe('timeout')
  })

  it('a refused resume closes only the new channel: the session stays suspended and can still resume', async () => {
    const { a, b, x, y } = await openPair()
    const stranger = await openPair()
    const suspended = Promise.all([nextSuspended(a), nextSuspended(b), nextSuspended(stranger.b)])
    cutMemoryPair(x, y)
    cutMemoryPair(stranger.x, stranger.y)
    await suspended
    const [wrong1, wrong2] = memoryPair()
    const refused = await Promise.allSettled([a.resume(wrong1), stranger.b.resume(wrong2)])
    expect(refused.map((r) => r.status)).toEqual(['rejected', 'rejected'])
    expect(a.state).toBe('suspended')
    expect(a.isClosed).toBe(false)
    const [x2, y2] = memoryPair()
    await Promise.all([a.resume(x2), b.resume(y2)])
    expect(await Promise.all([a.exchange(1), b.exchange(2)])).toEqual([2, 1])
    await Promise.all([a.close(), b.close(), stranger.a.close(), stranger.b.close()])
  })

  it('suspends, instead of closing, when the peer goes silent; then resumes', async () => {
    const [x, y] = memoryPair({ latencyMs: 1 })
    const quick = { heartbeatMs: 20, timeoutMs: 200, resume: { graceMs: 10_000 } }
    const [a, b] = await Promise.all([Session.open(x, { ...quick, role: 'leader' }), Session.open(y, { ...quick, role: 'follower' })])
    const suspended = Promise.all([nextSuspended(a), nextSuspended(b)])
    x.sever() // nothing arrives any more and neither end is told
    await suspended
    // Silence keeps the channel (it may come back); a resume elsewhere gives it up.
    expect([x.isClosed, y.isClosed]).toEqual([false, false])
    const [x2, y2] = memoryPair()
    await Promise.all([a.resume(x2), b.resume(y2)])
    expect([x.isClosed, y.isClosed]).toEqual([true, true])
    expect(await Promise.all([a.exchange('a'), b.exchange('b')])).toEqual(['b', 'a'])
    await Promise.all([a.close(), b.close()])
  })

  it('an outage on the same channel: silence suspends, and the session resumes by itself when the peer is heard again, nothing lost', async () => {
    const [x, y] = memoryPair({ latencyMs: 1 })
    const quick = { heartbeatMs: 20, timeoutMs: 200, resume: { graceMs: 10_000 } }
    const [a, b] = await Promise.all([Session.open(x, { ...quick, role: 'leader' }), Session.open(y, { ...quick, role: 'follower' })])
    const events: string[] = []
    for (const [name, s] of [['a', a], ['b', b]] as const) {
      s.on('suspended', (reason) => events.push(`${name} suspended ${reason.code}`))
      s.on('resumed', () => events.push(`${name} resumed`))
    }
    const [ca, cb] = [a.channel<number>('c'), b.channel<number>('c')]
    const received: number[] = []
    const reading = (async () => {
      for await (const n of cb) received.push(n)
    })()
    const suspended = Promise.all([nextSuspended(a), nextSuspended(b)])
    x.pause() // an outage: both directions hold what is sent, as a transport retransmitting would
    y.pause()
    for (let i = 0; i < 5; i++) void ca.send(i)
    await suspended
    expect([a.state, b.state]).toEqual(['suspended', 'suspended'])
    const exchanged = Promise.all([a.exchange('from a', { key: 'during' }), b.exchange('from b', { key: 'during' })])
    const resumed = Promise.all([nextResumed(a), nextResumed(b)])
    x.resume() // the path is back: no session.resume call, no new channel
    y.resume()
    await resumed
    expect([a.state, b.state]).toEqual(['open', 'open'])
    expect(await exchanged).toEqual(['from b', 'from a'])
    await ca.close()
    await reading
    expect(received).toEqual([0, 1, 2, 3, 4])
    expect(events.sort()).toEqual(['a resumed', 'a suspended timeout', 'b resumed', 'b suspended timeout'])
    await Promise.all([a.close(), b.close()])
  })

  it('a session waiting on its silent channel closes with timeout when graceMs passes', async () => {
    const [x, y] = memoryPair({ latencyMs: 1 })
    const quick = { heartbeatMs: 20, timeoutMs: 200, resume: { graceMs: 300 } }
    const [a, b] = await Promise.all([Session.open(x, { ...quick, role: 'leader' }), Session.open(y, { ...quick, role: 'follower' })])
    const pending = rejectionOf(a.exchange('never answered'), 'timeout')
    x.sever()
    const [ra, rb] = await Promise.all([a.closed, b.closed])
    expect([ra.code, rb.code]).toEqual(['timeout', 'timeout'])
    expect(ra.message).toContain('graceMs')
    expect((await pending).message).toContain('graceMs')
  })
})
