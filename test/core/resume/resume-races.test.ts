import { describe, expect, it } from 'vitest'
import { Session, type SessionOptions } from '../../../src/index.js'
import { memoryPair, type MemoryFrameChannel } from '../../../src/transport/memory.js'
import { nextMacrotask } from '../../helpers/promises.js'

/**
 * Races around the end of a resume handshake, found while building the drop fuzz: what the peer
 * sends right after its own resume completed can reach this side's session before this side's
 * handshake has finished (it waits behind the proof's verification).
 */
const options: SessionOptions = { heartbeatMs: 50, timeoutMs: 2000, resume: { graceMs: 10_000 } }

const next = (session: Session, event: 'suspended' | 'resumed' | 'close'): Promise<void> => new Promise((resolve) => session.once(event, () => resolve()))

async function suspendedPair(): Promise<{ a: Session; b: Session }> {
  const [x, y] = memoryPair({ latencyMs: 1 })
  const [a, b] = await Promise.all([Session.open(x, { ...options, role: 'leader' }), Session.open(y, { ...options, role: 'follower' })])
  const suspended = Promise.all([next(a, 'suspended'), next(b, 'suspended')])
  x.sever()
  x.close()
  y.close()
  await suspended
  return { a, b }
}

/**
 * b resumes first and completes; a's incoming link is paused so that b's proof and whatever b
 * sends next reach a together, when the test resumes delivery.
 */
async function bFinishesFirst(a: Session, b: Session): Promise<{ aResumed: Promise<string>; x2: MemoryFrameChannel }> {
  const [x2, y2] = memoryPair()
  const bResumed = b.resume(y2)
  for (let i = 0; i < 3; i++) await nextMacrotask() // b's resume hello waits in x2
  x2.pause()
  const aResumed = a.resume(x2).then(() => 'resolved', (err: unknown) => `rejected ${(err as { code?: string }).code}`)
  await bResumed
  return { aResumed, x2 }
}

describe('the end of a resume handshake', () => {
  it('a peer that closes right after resuming: this side resumes, then closes; no resumed event after the close', async () => {
    const { a, b } = await suspendedPair()
    const events: string[] = []
    a.on('resumed', () => events.push('resumed'))
    a.on('close', (reason) => events.push(`close ${reason.code}`))
    const { aResumed, x2 } = await bFinishesFirst(a, b)
    const bClosed = b.close()
    for (let i = 0; i < 3; i++) await nextMacrotask() // b's bye waits in x2 behind its proof
    x2.resume()
    await bClosed
    expect(await aResumed).toBe('resolved')
    expect(a.state).toBe('closed')
    expect(events).toEqual(['resumed', 'close closed'])
  })
})

describe('the new channel taken into the session budget', () => {
  it('a resume whose new channel holds more than the budget has room for closes the session with protocol', async () => {
    const [x, y] = memoryPair({ latencyMs: 1 })
    const tight = { ...options, maxHeldBytes: 1024 * 1024 }
    const [a, b] = await Promise.all([Session.open(x, { ...tight, role: 'leader' }), Session.open(y, { ...options, role: 'follower' })])
    // a holds b's value for an exchange it never starts: most of its budget.
    void b.exchange(new Uint8Array(700 * 1024), { key: 'held' }).catch(() => undefined)
    while (a.stats.heldBytes < 700 * 1024) await nextMacrotask()
    const suspended = Promise.all([next(a, 'suspended'), next(b, 'suspended')])
    x.sever()
    x.close()
    y.close()
    await suspended
    const { aResumed, x2 } = await bFinishesFirst(a, b)
    // b's next value goes out in chunks; a's link holds them until delivery resumes, so part of
    // it sits on a's new channel, not yet in the session budget, when a's handshake completes.
    void b.exchange(new Uint8Array(3 * 1024 * 1024), { key: 'more' }).catch(() => undefined)
    for (let i = 0; i < 3; i++) await nextMacrotask()
    x2.resume()
    const outcome = await aResumed
    const reason = await a.closed
    expect(reason.code).toBe('protocol')
    expect(reason.message).toMatch(/maxHeldBytes/)
    expect(outcome).toBe('rejected protocol')
    expect((await b.closed).code).toBe('protocol') // told at once (a bye), not after its grace
    expect(a.state).toBe('closed')
  })
})
