import { describe, expect, it } from 'vitest'
import { Session, type SessionOptions } from '../../../src/index.js'
import { dropInjector } from '../../helpers/drop-injector.js'
import { prng } from '../../helpers/prng.js'

/**
 * A session that is closing (close() called, waiting for the peer's answer) is closed: it
 * neither resumes nor suspends any more.
 */
const options: SessionOptions = { heartbeatMs: 50, timeoutMs: 3000, resume: { graceMs: 10_000 } }

async function openPair(): Promise<{ a: Session; b: Session; injector: ReturnType<typeof dropInjector>; link: ReturnType<ReturnType<typeof dropInjector>['link']> }> {
  const injector = dropInjector({ random: prng(14), latencyMs: 5 })
  const link = injector.link()
  const [a, b] = await Promise.all([Session.open(link.ends[0], { ...options, role: 'leader' }), Session.open(link.ends[1], { ...options, role: 'follower' })])
  return { a, b, injector, link }
}

function eventsOf(session: Session): string[] {
  const events: string[] = []
  session.on('suspended', () => events.push('suspended'))
  session.on('resumed', () => events.push('resumed'))
  session.on('close', (reason) => events.push(`close ${reason.code}`))
  return events
}

describe('a closing session', () => {
  it('refuses to resume: resume() rejects with closed and closes only the channel it was given', async () => {
    const { a, b, injector } = await openPair()
    const events = eventsOf(a)
    const closing = a.close()
    expect(a.state).toBe('closed')
    const fresh = injector.link()
    const refused = await a.resume(fresh.ends[0]).then(
      () => 'resumed',
      (err: unknown) => (err as { code?: string }).code,
    )
    expect(refused).toBe('closed')
    expect(fresh.ends[0].isClosed).toBe(true)
    await closing
    expect(events).toEqual(['close closed'])
    expect((await b.closed).code).toBe('closed') // the peer got the bye
  })

  it('does not suspend when its link is cut while it waits for the peer to answer its bye', async () => {
    const { a, link } = await openPair()
    const events = eventsOf(a)
    const closing = a.close()
    link.cutNow()
    await closing
    expect(events).toEqual(['close closed'])
    expect(a.state).toBe('closed')
  })
})
