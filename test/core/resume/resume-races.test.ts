import { describe, expect, it } from 'vitest'
import { Session, type SessionOptions } from '../../../src/index.js'
import { dropInjector, type DropInjector, type DropLink } from '../../helpers/drop-injector.js'
import { prng } from '../../helpers/prng.js'
import { nextMacrotask } from '../../helpers/promises.js'

/**
 * Races around the end of a resume handshake, found while building the drop fuzz: what the peer
 * sends right after its own resume completed can reach this side's session before this side's
 * handshake has finished (it waits behind the proof's verification).
 */
const options: SessionOptions = { heartbeatMs: 50, timeoutMs: 2000, resume: { graceMs: 10_000 } }

const next = (session: Session, event: 'suspended' | 'resumed' | 'close'): Promise<void> => new Promise((resolve) => session.once(event, () => resolve()))

async function openPair(aOptions = options): Promise<{ a: Session; b: Session; injector: DropInjector; link: DropLink }> {
  const injector = dropInjector({ random: prng(14), latencyMs: 1 })
  const link = injector.link()
  const [a, b] = await Promise.all([Session.open(link.ends[0], { ...aOptions, role: 'leader' }), Session.open(link.ends[1], { ...options, role: 'follower' })])
  return { a, b, injector, link }
}

async function cut(a: Session, b: Session, link: DropLink): Promise<void> {
  const suspended = Promise.all([next(a, 'suspended'), next(b, 'suspended')])
  link.cutNow()
  await suspended
}

/**
 * b resumes first and completes; what goes to a is held, so that b's proof and whatever b sends
 * next reach a together when the test delivers what is held.
 */
async function bFinishesFirst(a: Session, b: Session, injector: DropInjector): Promise<{ aResumed: Promise<string>; fresh: DropLink }> {
  const fresh = injector.link({ latencyMs: 0 })
  const bResumed = b.resume(fresh.ends[1])
  for (let i = 0; i < 3; i++) await nextMacrotask() // b's resume hello waits on a's new channel
  fresh.hold(0)
  const aResumed = a.resume(fresh.ends[0]).then(() => 'resolved', (err: unknown) => `rejected ${(err as { code?: string }).code}`)
  await bResumed
  return { aResumed, fresh }
}

describe('the end of a resume handshake', () => {
  it('a peer that closes right after resuming: this side resumes, then closes; no resumed event after the close', async () => {
    const { a, b, injector, link } = await openPair()
    await cut(a, b, link)
    const events: string[] = []
    a.on('resumed', () => events.push('resumed'))
    a.on('close', (reason) => events.push(`close ${reason.code}`))
    const { aResumed, fresh } = await bFinishesFirst(a, b, injector)
    const bClosed = b.close()
    for (let i = 0; i < 3; i++) await nextMacrotask() // b's bye is held behind its proof
    fresh.release(0)
    await bClosed
    expect(await aResumed).toBe('resolved')
    expect(a.state).toBe('closed')
    expect(events).toEqual(['resumed', 'close closed'])
  })
})

describe('the new channel taken into the session budget', () => {
  it('a resume whose new channel holds more than the budget has room for closes the session with protocol', async () => {
    const { a, b, injector, link } = await openPair({ ...options, maxHeldBytes: 1024 * 1024 })
    // a holds b's value for an exchange it never starts: most of its budget.
    void b.exchange(new Uint8Array(700 * 1024), { key: 'held' }).catch(() => undefined)
    while (a.stats.heldBytes < 700 * 1024) await nextMacrotask()
    await cut(a, b, link)
    const { aResumed, fresh } = await bFinishesFirst(a, b, injector)
    // b's next value goes out in chunks. a gets b's proof with the first of them; the rest stay
    // held, so part of the value sits on a's new channel, outside the session budget, when a's
    // handshake completes.
    void b.exchange(new Uint8Array(3 * 1024 * 1024), { key: 'more' }).catch(() => undefined)
    for (let i = 0; i < 3; i++) await nextMacrotask()
    fresh.deliverHeld(0)
    const outcome = await aResumed
    const stateWhenRefused = a.state // closed at once, not open with nothing restarted
    fresh.release(0)
    const reason = await a.closed
    expect(reason.code).toBe('protocol')
    expect(reason.message).toMatch(/maxHeldBytes/)
    expect(outcome).toBe('rejected protocol')
    expect(stateWhenRefused).toBe('closed')
    expect((await b.closed).code).toBe('protocol') // told at once (a bye), not after its grace
    expect(a.state).toBe('closed')
  })
})
