import { describe, expect, it } from 'vitest'
import { Session } from '../../../src/session.js'
import type { NetError } from '../../../src/base/errors.js'
import type { SessionOptions } from '../../../src/core/options.js'
import { memoryPair } from '../../../src/transport/memory.js'
import { dropInjector } from '../../helpers/drop-injector.js'
import { prng } from '../../helpers/prng.js'
import { cutMemoryPair } from '../../helpers/resume-probes.js'

/**
 * A cut during the opening clock burst, once the hellos were exchanged: both sides hold the
 * session's credentials, so both must end up with the same session, suspended, and resume it.
 */
const options = (more: SessionOptions = {}): SessionOptions => ({ heartbeatMs: 50, timeoutMs: 2000, resume: { graceMs: 10_000 }, ...more })

/** The session's state, and whether a `suspended` listener added right after `await Session.open` heard it. */
async function opened(opening: Promise<Session>): Promise<{ session: Session; heard: Promise<NetError> }> {
  const session = await opening
  const heard = new Promise<NetError>((resolve) => session.once('suspended', resolve))
  return { session, heard }
}

describe('a cut during the opening clock burst (resume on)', () => {
  it('the follower has opened, the leader is still bursting: both sessions are suspended, both hear it, and they resume', async () => {
    const [x, y] = memoryPair({ latencyMs: 2 })
    let leaderSettled = false
    const leading = opened(Session.open(x, options({ role: 'leader' })))
    void leading.finally(() => (leaderSettled = true)).catch(() => undefined)
    const b = await Session.open(y, options({ role: 'follower' }))
    // The leader's burst starts as the follower's ends and takes clockBurst round trips.
    expect(leaderSettled).toBe(false)
    const bSuspended = new Promise<NetError>((resolve) => b.once('suspended', resolve))
    cutMemoryPair(x, y)
    const { session: a, heard } = await leading
    expect(a.state).toBe('suspended')
    expect((await heard).code).toBe('closed')
    expect((await bSuspended).code).toBe('closed')
    expect(b.state).toBe('suspended')

    const [x2, y2] = memoryPair({ latencyMs: 2 })
    await Promise.all([a.resume(x2), b.resume(y2)])
    expect(await Promise.all([a.exchange('a'), b.exchange('b')])).toEqual(['b', 'a'])
    await Promise.all([a.close(), b.close()])
  })

  it('a cut during the follower\'s burst (both sides still opening) suspends both sessions', async () => {
    const link = dropInjector({ random: prng(1), latencyMs: 1 }).link()
    link.cutAt(8) // two hellos, then the follower's pings and the leader's pongs
    let settled = 0
    const leading = opened(Session.open(link.ends[0], options({ role: 'leader' })))
    const following = opened(Session.open(link.ends[1], options({ role: 'follower' })))
    void Promise.allSettled([leading, following]).then(() => (settled = 2))
    await link.cut
    expect(settled).toBe(0)
    const [a, b] = await Promise.all([leading, following])
    expect([a.session.state, b.session.state]).toEqual(['suspended', 'suspended'])
    expect([(await a.heard).code, (await b.heard).code]).toEqual(['closed', 'closed'])
    await Promise.all([a.session.close(), b.session.close()])
  })

  it('a cut before the hellos crossed fails Session.open on both sides, as without resume', async () => {
    const link = dropInjector({ random: prng(2), latencyMs: 1 }).link()
    link.cutAt(1)
    const failure = (p: Promise<Session>): Promise<string> => p.then(() => 'opened', (err: NetError) => err.code)
    const opening = [failure(Session.open(link.ends[0], options({ role: 'leader' }))), failure(Session.open(link.ends[1], options({ role: 'follower' })))]
    expect(await Promise.all(opening)).toEqual(['closed', 'closed'])
  })
})

describe('the same cuts without resume', () => {
  it('the leader\'s Session.open rejects with closed and the follower\'s session closes, as before', async () => {
    const [x, y] = memoryPair({ latencyMs: 2 })
    const plain = { heartbeatMs: 50, timeoutMs: 2000 }
    const leading = Session.open(x, { ...plain, role: 'leader' }).then(() => 'opened', (err: NetError) => err.code)
    const b = await Session.open(y, { ...plain, role: 'follower' })
    cutMemoryPair(x, y)
    expect(await leading).toBe('closed')
    expect((await b.closed).code).toBe('closed')
  })

  it('a cut during the follower\'s burst fails Session.open on both sides', async () => {
    const link = dropInjector({ random: prng(3), latencyMs: 1 }).link()
    link.cutAt(8)
    const failure = (p: Promise<Session>): Promise<string> => p.then(() => 'opened', (err: NetError) => err.code)
    const plain = { heartbeatMs: 50, timeoutMs: 2000 }
    const opening = [failure(Session.open(link.ends[0], { ...plain, role: 'leader' })), failure(Session.open(link.ends[1], { ...plain, role: 'follower' }))]
    expect(await Promise.all(opening)).toEqual(['closed', 'closed'])
  })
})
