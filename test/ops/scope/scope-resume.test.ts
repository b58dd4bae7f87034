import { describe, expect, it } from 'vitest'
import { Session } from '../../../src/session.js'
import { memoryPair } from '../../../src/transport/memory.js'
import { rejectionOf } from '../../helpers/promises.js'
import { sessionCore } from '../../../src/session.js'
import { cutMemoryPair, nextResumed, nextSuspended } from '../../helpers/resume-probes.js'

const options = { heartbeatMs: 50, timeoutMs: 2000, resume: { graceMs: 10_000 } }


describe('scopes across a resume', () => {
  it('a scope frame in flight at the cut, calls and a close made while suspended, and a reset all complete after the resume', async () => {
    const [x, y] = memoryPair({ latencyMs: 1 })
    const [a, b] = await Promise.all([Session.open(x, { ...options, role: 'leader' }), Session.open(y, { ...options, role: 'follower' })])
    const [sa, sb] = [a.scope('kept'), b.scope('kept')]
    const [ra, rb] = [a.scope('dropped'), b.scope('dropped')]
    y.pause() // what a sends now is in flight when the link is cut
    const first = Promise.all([sa.exchange('a1'), sb.exchange('b1')])
    const pendingInReset = rb.exchange('never answered')
    pendingInReset.catch(() => undefined)
    const suspended = Promise.all([nextSuspended(a), nextSuspended(b)])
    cutMemoryPair(x, y)
    await suspended
    const second = Promise.all([sa.exchange('a2'), sb.exchange('b2')])
    const closing = Promise.all([sa.close(), sb.close()])
    const resetting = ra.reset('while suspended')
    const [x2, y2] = memoryPair({ latencyMs: 1 })
    await Promise.all([a.resume(x2), b.resume(y2)])
    expect(await first).toEqual(['b1', 'a1'])
    expect(await second).toEqual(['b2', 'a2'])
    await closing
    expect((await rejectionOf(pendingInReset, 'aborted')).message).toContain('while suspended')
    await Promise.all([resetting, rb.closed])
    expect(sessionCore(a).scopes.size + sessionCore(b).scopes.size).toBe(0)
    await Promise.all([a.close(), b.close()])
  })
})
