import { describe, expect, it } from 'vitest'
import { Session } from '../../../src/session.js'
import { NetError } from '../../../src/base/errors.js'
import { createFrameCodec } from '../../../src/codec/codec.js'
import type { SessionOptions } from '../../../src/core/options.js'
import type { FrameChannel } from '../../../src/transport/frame-channel.js'
import { memoryPair } from '../../../src/transport/memory.js'
import { openSessions, type SessionPair } from '../../helpers/session-pair.js'

/** The internal `resume` option (not public until issue 14 is complete). */
const resumable = (graceMs = 5000): SessionOptions => ({ resume: { graceMs } })
/** No heartbeat inside a test: only the operations' own frames cross. */
const quiet: SessionOptions = { heartbeatMs: 60_000, timeoutMs: 120_000 }

/** Every frame a channel sends, decoded. */
function recording(inner: FrameChannel): { channel: FrameChannel; sent: unknown[][] } {
  const codec = createFrameCodec({ maxDepth: 64, maxItems: 1 << 20 })
  const sent: unknown[][] = []
  const channel = Object.create(inner) as FrameChannel
  channel.send = (frame, lane) => {
    sent.push(codec.decode(frame) as unknown[])
    return inner.send(frame, lane)
  }
  return { channel, sent }
}

async function open(options: SessionOptions): Promise<SessionPair & { leaderSent: unknown[][] }> {
  const [x, y] = memoryPair()
  const a = recording(x)
  const pair = await openSessions([a.channel, y], { leader: { ...quiet, ...options }, follower: { ...quiet, ...options } })
  return { ...pair, leaderSent: a.sent }
}

const framesSent = (pair: SessionPair): number => pair.leader.stats.framesSent + pair.follower.stats.framesSent

/** A mix of operations; resolves once both sides are done. */
async function workload(pair: SessionPair): Promise<void> {
  const { leader, follower } = pair
  await Promise.all([leader.exchange(1, { key: 'x' }), follower.exchange(2, { key: 'x' })])
  await Promise.all([leader.join(async () => 1, { key: 'j' }), follower.join(async () => 2, { key: 'j' })])
  await Promise.all([leader.select(async () => 1, { key: 's' }), follower.select(async () => 2, { key: 's' })])
  const [ma, mb] = [leader.mutex('m', { initial: 0 }), follower.mutex<number>('m')]
  await Promise.all([ma.withLock((g) => void (g.value += 1)), mb.withLock((g) => void (g.value += 1))])
  const [ca, cb] = [leader.channel<number>('c'), follower.channel<number>('c')]
  const received: number[] = []
  const reading = (async () => {
    for await (const n of cb) received.push(n)
  })()
  for (let i = 0; i < 20; i++) await ca.send(i)
  await ca.close()
  await reading
  expect(received).toEqual(Array.from({ length: 20 }, (_, i) => i))
  expect(await ma.withLock((g) => g.value)).toBe(2)
}

describe('Session with the resume option: the sequenced link', () => {
  it.each([
    [{ resume: 5 }, /resume/],
    [{ resume: {} }, /resume\.graceMs is required/],
    [{ resume: { graceMs: 0 } }, /resume\.graceMs/],
    [{ resume: { graceMs: Number.NaN } }, /resume\.graceMs/],
  ])('refuses %j with NetError usage', async (options, message) => {
    const [x] = memoryPair()
    const err = (await Session.open(x, options as SessionOptions).catch((e: unknown) => e)) as NetError
    expect(err).toBeInstanceOf(NetError)
    expect(err.code).toBe('usage')
    expect(err.message).toMatch(message)
  })

  it('refuses to open on both sides when only one side asks for resume', async () => {
    const [x, y] = memoryPair()
    const results = await Promise.allSettled([Session.open(x, resumable()), Session.open(y)])
    for (const result of results) {
      expect(result.status).toBe('rejected')
      const err = (result as PromiseRejectedResult).reason as NetError
      expect(err.code).toBe('usage')
      expect(err.message).toMatch(/asked for resume and the other side did not/)
    }
  })

  it('numbers every operation frame and sends exactly as many frames as a session without resume', async () => {
    const plain = await open({})
    const before = framesSent(plain)
    await workload(plain)
    const plainFrames = framesSent(plain) - before
    const plainPorts = plain.totalMessages()

    const sequenced = await open(resumable())
    const start = framesSent(sequenced)
    await workload(sequenced)
    expect(framesSent(sequenced) - start).toBe(plainFrames)
    expect(sequenced.totalMessages()).toBe(plainPorts)
    expect(plain.leaderSent.some((f) => f[0] === 8)).toBe(false)

    const enveloped = sequenced.leaderSent.filter((f) => f[0] === 8 && (f[1] as number) > 0)
    expect(enveloped.map((f) => f[1])).toEqual(Array.from({ length: enveloped.length }, (_, i) => i + 1))
    expect(enveloped.length).toBe(sequenced.leaderCounts.total)
    await Promise.all([plain.close(), sequenced.close()])
  })
})
