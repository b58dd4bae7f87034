import { describe, expect, it } from 'vitest'
import { createFrameCodec } from '../../../src/codec/codec.js'
import { NetError } from '../../../src/base/errors.js'
import { memoryPair } from '../../../src/transport/memory.js'
import { nextMacrotask } from '../../../src/base/macrotask.js'
import type { FrameChannel } from '../../../src/transport/frame-channel.js'
import { deriveCredentials, type ResumeCredentials } from '../../../src/core/resume/resume-credentials.js'
import { runResumeHandshake, type ResumedChannel } from '../../../src/core/resume/resume-handshake.js'
import { MemoryBudget } from '../../../src/base/memory-budget.js'

const codec = createFrameCodec({ maxDepth: 64, maxItems: 32_768 })
const random = (): Uint8Array => crypto.getRandomValues(new Uint8Array(32))

/** Both sides' credentials, as derived from the contributions of one session's hellos. */
async function credentialsPair(): Promise<[ResumeCredentials, ResumeCredentials]> {
  const [l, f] = [random(), random()]
  return Promise.all([deriveCredentials(l, f, true), deriveCredentials(f, l, false)])
}

interface Side {
  credentials: ResumeCredentials
  received?: number
  checkPeerReceived?: (received: number) => void
  timeoutMs?: number
  budget?: MemoryBudget
}

function attempt(channel: FrameChannel, side: Side): Promise<ResumedChannel> {
  return runResumeHandshake({
    channel,
    codec,
    credentials: side.credentials,
    version: 3,
    received: side.received ?? 0,
    checkPeerReceived: side.checkPeerReceived ?? (() => undefined),
    timeoutMs: side.timeoutMs ?? 5000,
    budget: side.budget ?? new MemoryBudget(64 * 1024 * 1024),
  })
}

const failure = (p: Promise<unknown>): Promise<NetError> => p.then(() => { throw new Error('resolved') }, (err: unknown) => err as NetError)

describe('resume handshake', () => {
  it('both sides at once: each learns the other\'s ack, and frames after the proof reach the session in order', async () => {
    const [lc, fc] = await credentialsPair()
    const [x, y] = memoryPair({ latencyMs: 2 })
    const [a, b] = await Promise.all([attempt(x, { credentials: lc, received: 7 }), attempt(y, { credentials: fc, received: 3 })])
    expect([a.peerReceived, b.peerReceived]).toEqual([3, 7])
    const got: number[] = []
    for (let i = 0; i < 3; i++) await x.send(codec.encode(i))
    b.forward((bytes) => got.push(codec.decode(bytes) as number))
    await x.send(codec.encode(3))
    await new Promise<void>((resolve) => b.forward((bytes) => (got.push(codec.decode(bytes) as number), got.length === 4 && resolve())))
    expect(got).toEqual([0, 1, 2, 3])
  })

  it('one side first: its hello waits on the channel until the other side resumes', async () => {
    const [lc, fc] = await credentialsPair()
    const [x, y] = memoryPair({ latencyMs: 1 })
    const first = attempt(x, { credentials: lc, received: 1 })
    let settled = false
    void first.finally(() => (settled = true))
    for (let i = 0; i < 5; i++) await nextMacrotask()
    expect(settled).toBe(false)
    const [a, b] = await Promise.all([first, attempt(y, { credentials: fc, received: 2 })])
    expect([a.peerReceived, b.peerReceived]).toEqual([2, 1])
  })

  it('refuses a peer that does not know the secret, closing only the new channel', async () => {
    const [lc, fc] = await credentialsPair()
    const [other] = await credentialsPair()
    const impostor: ResumeCredentials = { ...fc, key: other.key }
    const [x, y] = memoryPair()
    const [honest, fake] = await Promise.all([failure(attempt(x, { credentials: lc })), failure(attempt(y, { credentials: impostor }))])
    expect(honest.code).toBe('protocol')
    expect(honest.message).toMatch(/failed the resume proof/)
    expect(fake).toBeInstanceOf(NetError)
    expect(x.isClosed && y.isClosed).toBe(true)
  })

  it('refuses an unknown session id', async () => {
    const [lc] = await credentialsPair()
    const [, stranger] = await credentialsPair()
    const [x, y] = memoryPair()
    // Both refuse; whichever refuses first closes the channel, so the other may only see the close.
    const errors = await Promise.all([failure(attempt(x, { credentials: lc })), failure(attempt(y, { credentials: stranger }))])
    expect(errors.some((err) => /unknown session/.test(err.message))).toBe(true)
    expect(errors.every((err) => err instanceof NetError)).toBe(true)
  })

  it('refuses a replayed proof (a stale resume): the challenge is fresh each time', async () => {
    const [lc, fc] = await credentialsPair()
    const recorded: Uint8Array[] = []
    const [x, y] = memoryPair()
    const recorder = Object.create(y) as FrameChannel
    recorder.send = (frame, lane) => (recorded.push(frame), y.send(frame, lane))
    await Promise.all([attempt(x, { credentials: lc }), attempt(recorder, { credentials: fc })])
    const [x2, y2] = memoryPair()
    const refused = failure(attempt(x2, { credentials: lc }))
    for (const frame of recorded) await y2.send(frame)
    const err = await refused
    expect(err.code).toBe('protocol')
    expect(err.message).toMatch(/failed the resume proof/)
  })

  it('refuses a sequence gap on both sides', async () => {
    const [lc, fc] = await credentialsPair()
    const [x, y] = memoryPair()
    const gap = (): never => {
      throw new NetError('protocol', 'sequence gap: test')
    }
    const [a, b] = await Promise.all([failure(attempt(x, { credentials: lc, checkPeerReceived: gap })), failure(attempt(y, { credentials: fc }))])
    expect(a.message).toMatch(/sequence gap/)
    expect(['protocol', 'closed']).toContain(b.code)
  })

  it('gives up with timeout when the peer never answers', async () => {
    const [lc] = await credentialsPair()
    const [x] = memoryPair()
    const err = await failure(attempt(x, { credentials: lc, timeoutMs: 50 }))
    expect(err.code).toBe('timeout')
    expect(x.isClosed).toBe(true)
  })
})
