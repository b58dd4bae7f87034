import { afterEach, describe, expect, it, vi } from 'vitest'
import { Session, type SessionOptions } from '../../../src/index.js'
import { MemoryBudget } from '../../../src/base/memory-budget.js'
import { memoryPair, type MemoryFrameChannel } from '../../../src/transport/memory.js'
import { rejectionOf } from '../../helpers/promises.js'

const resumable = (extra: SessionOptions = {}): SessionOptions => ({ heartbeatMs: 50, timeoutMs: 2000, resume: { graceMs: 10_000 }, ...extra })

const next = (session: Session, event: 'suspended' | 'resumed'): Promise<void> => new Promise((resolve) => session.once(event, () => resolve()))

async function openPair(options: SessionOptions): Promise<{ a: Session; b: Session; x: MemoryFrameChannel; y: MemoryFrameChannel }> {
  const [x, y] = memoryPair({ latencyMs: 1 })
  const [a, b] = await Promise.all([Session.open(x, { ...options, role: 'leader' }), Session.open(y, { ...options, role: 'follower' })])
  return { a, b, x, y }
}

async function cutAndSuspend(a: Session, b: Session, x: MemoryFrameChannel, y: MemoryFrameChannel): Promise<void> {
  const suspended = Promise.all([next(a, 'suspended'), next(b, 'suspended')])
  x.sever()
  x.close()
  y.close()
  await suspended
}

afterEach(() => {
  vi.unstubAllGlobals()
})

describe('session.resume, session.state and the suspended / resumed events', () => {
  it('state goes open → suspended → open → closed, with one suspended and one resumed event per side', async () => {
    const { a, b, x, y } = await openPair(resumable())
    const events: string[] = []
    for (const [name, s] of [['a', a], ['b', b]] as const) {
      s.on('suspended', (reason) => events.push(`${name} suspended ${reason.code}`))
      s.on('resumed', () => events.push(`${name} resumed`))
    }
    expect([a.state, b.state]).toEqual(['open', 'open'])
    await cutAndSuspend(a, b, x, y)
    expect([a.state, b.state]).toEqual(['suspended', 'suspended'])
    const [x2, y2] = memoryPair()
    await Promise.all([a.resume(x2), b.resume(y2)])
    expect([a.state, b.state]).toEqual(['open', 'open'])
    expect(events.sort()).toEqual(['a resumed', 'a suspended closed', 'b resumed', 'b suspended closed'])
    await Promise.all([a.close(), b.close()])
    expect([a.state, b.state]).toEqual(['closed', 'closed'])
    const [x3] = memoryPair()
    expect(await rejectionOf(a.resume(x3))).toMatchObject({ code: 'closed', message: expect.stringContaining('has closed') })
    expect(x3.isClosed).toBe(true)
  })

  it('rejects with usage, closing the given channel, without the resume option or for a channel that is not one', async () => {
    const { a, b } = await openPair({})
    const [x2] = memoryPair()
    const err = await rejectionOf(a.resume(x2))
    expect(err).toMatchObject({ code: 'usage', message: expect.stringContaining('resume option') })
    expect(x2.isClosed).toBe(true)
    expect(a.state).toBe('open')
    expect(await rejectionOf(a.resume({} as never))).toMatchObject({ code: 'usage', message: expect.stringContaining('session.resume') })
    await Promise.all([a.close(), b.close()])
  })

  it('Session.open with resume rejects with usage where Web Crypto is missing (an insecure browser context)', async () => {
    vi.stubGlobal('crypto', { getRandomValues: crypto.getRandomValues.bind(crypto) })
    const [x] = memoryPair()
    expect(await rejectionOf(Session.open(x, resumable()))).toMatchObject({ code: 'usage', message: expect.stringContaining('crypto.subtle') })
  })

  it('measures the new path after a resume: a fresh clock burst, not the next heartbeat', async () => {
    // Heartbeats far apart: any round trip measured soon after the resume comes from the burst.
    const { a, b, x, y } = await openPair(resumable({ heartbeatMs: 60_000, timeoutMs: 120_000, clockBurst: 6 }))
    await cutAndSuspend(a, b, x, y)
    const [x2, y2] = memoryPair({ latencyMs: 5 })
    const rtts: number[] = []
    const sixRtts = new Promise<void>((resolve) =>
      b.on('rtt', (rtt) => {
        rtts.push(rtt)
        if (rtts.length === 6) resolve()
      }),
    )
    await Promise.all([a.resume(x2), b.resume(y2)])
    await sixRtts
    // The new pair is slower (5 ms each way, the old one 1 ms): the burst measured the new path.
    expect(Math.min(...rtts)).toBeGreaterThanOrEqual(10)
    expect(b.clock.recentDelayMs).toBeGreaterThanOrEqual(10)
    await Promise.all([a.close(), b.close()])
  })

  it('a syncStart whose instant passed during the outage rejects with late on both sides', async () => {
    const { a, b, x, y } = await openPair(resumable())
    let leaderStarted!: () => void
    const started = new Promise<void>((resolve) => (leaderStarted = resolve))
    y.pause() // the leader's start message will be lost in the cut
    const leader = a.syncStart(() => leaderStarted(), { key: 'go', delayMs: 20 })
    const follower = b.syncStart(() => 'follower ran', { key: 'go' })
    await started // the agreed instant has passed, and the follower has not heard of it
    await cutAndSuspend(a, b, x, y)
    const [x2, y2] = memoryPair()
    await Promise.all([a.resume(x2), b.resume(y2)])
    const [l, f] = await Promise.all([rejectionOf(leader, 'late'), rejectionOf(follower, 'late')])
    expect([l.code, f.code]).toEqual(['late', 'late'])
    await Promise.all([a.close(), b.close()])
  })
})

describe('MemoryBudget.delegateTo (a resumed session takes over a new channel)', () => {
  it('moves what the channel held into the session budget, and charges it from then on', () => {
    const session = new MemoryBudget(1000)
    const channel = new MemoryBudget(10_000)
    channel.charge(300, 'early frames')
    session.charge(500, 'held messages')
    channel.delegateTo(session)
    expect([session.held, channel.held]).toEqual([800, 0])
    expect(() => channel.charge(300, 'a chunk')).toThrow(/maxHeldBytes 1000/)
    channel.release(300)
    expect(session.held).toBe(500)
  })

  it('refuses to take over more than the session has room for', () => {
    const session = new MemoryBudget(1000)
    const channel = new MemoryBudget(10_000)
    channel.charge(2000, 'early frames')
    expect(() => channel.delegateTo(session)).toThrow(/past the session's memory budget/)
  })
})
