/**
 * Session resume over real WebRTC (node-datachannel on 127.0.0.1): the RTCPeerConnection is
 * closed in the middle of a transfer or a lock hand-off, a new connection is opened, and both
 * sessions resume over it. Both peers call `resume` at once, as an app reconnecting does.
 */
import { createHash } from 'node:crypto'
import { afterEach, describe, expect, it } from 'vitest'
import { prng, randomBytes, seedFromEnv } from '../../helpers/prng.js'
import { nextMacrotask } from '../../helpers/promises.js'
import { openSessions, type SessionPair } from '../../helpers/session-pair.js'
import { nextResumed, nextSuspended, resumeOptions } from '../../helpers/resume-probes.js'
import { nodeDataChannelPair, type DataChannelFramePair } from '../../helpers/webrtc-pair.js'
import { openExtraChannel } from '../../helpers/extra-channel.js'
import { fromDataChannel } from '../../../src/transport/data-channel.js'

const seed = seedFromEnv()
console.log(`resume-webrtc: SEED=${seed}`)

const MiB = 1024 * 1024
const CHUNK = 64 * 1024

/**
 * Sends `total` random bytes from the leader to the follower on a channel and runs `move` once
 * half has arrived (the channel's window, up to 16 MiB, is on the wire then); checks that what
 * arrived is exactly what was sent, by SHA-256.
 */
async function transferAcross(pair: SessionPair, total: number, move: () => Promise<unknown>): Promise<void> {
  const tx = pair.leader.channel<Uint8Array>('bulk')
  const rx = pair.follower.channel<Uint8Array>('bulk')
  const random = prng(seed)
  let moving: Promise<unknown> | undefined
  // A failed move fails the test at once, instead of leaving the transfer waiting.
  let moveFailed!: (err: unknown) => void
  const failure = new Promise<never>((_, reject) => (moveFailed = reject))
  const receiving = (async () => {
    const hash = createHash('sha256')
    let bytes = 0
    for await (const chunk of rx) {
      hash.update(chunk)
      bytes += chunk.length
      if (moving === undefined && bytes >= total / 2) (moving = move()).catch(moveFailed)
    }
    return { bytes, digest: hash.digest('hex') }
  })()
  const sending = (async () => {
    const hash = createHash('sha256')
    for (let sent = 0; sent < total; sent += CHUNK) {
      const chunk = randomBytes(random, CHUNK)
      hash.update(chunk)
      await tx.send(chunk)
    }
    await tx.close()
    return hash.digest('hex')
  })()
  const [received, sentDigest] = await Promise.race([Promise.all([receiving, sending]), failure])
  expect(moving, 'the transfer moved channels').toBeDefined()
  await moving
  expect(received.bytes).toBe(total)
  expect(received.digest).toBe(sentDigest)
}

describe('session resume over real WebRTC (node-datachannel)', () => {
  let teardown: Array<() => Promise<void>> = []
  afterEach(async () => {
    for (const close of teardown.reverse()) await close()
    teardown = []
  })

  async function connect(): Promise<DataChannelFramePair> {
    const frames = await nodeDataChannelPair()
    teardown.push(() => frames.close())
    return frames
  }

  async function sessions(frames: DataChannelFramePair, resume = true): Promise<SessionPair> {
    const options = resume ? { leader: resumeOptions(), follower: resumeOptions() } : {}
    const pair = await openSessions([frames.a, frames.b], options)
    teardown.push(() => pair.close())
    return pair
  }

  /**
   * Closes the first connection (each side sees its channel close, or goes silent and suspends
   * by itself), opens a second one and resumes both sessions over it at once.
   */
  async function reconnect({ leader, follower }: SessionPair, old: DataChannelFramePair): Promise<DataChannelFramePair> {
    const suspended = Promise.all([nextSuspended(leader), nextSuspended(follower)])
    old.raw.pcA.close()
    await suspended
    expect([leader.state, follower.state]).toEqual(['suspended', 'suspended'])
    const fresh = await connect()
    const resumed = Promise.all([nextResumed(leader), nextResumed(follower)])
    await Promise.all([leader.resume(fresh.a), follower.resume(fresh.b)])
    await resumed
    expect([leader.state, follower.state]).toEqual(['open', 'open'])
    return fresh
  }

  it('a 64 MiB channel transfer cut in the middle completes byte-exact over a new connection', async () => {
    const first = await connect()
    const pair = await sessions(first)
    await transferAcross(pair, 64 * MiB, () => reconnect(pair, first))
  })

  it('a working channel replaced mid-transfer by a new one on the same connection: resume from open, byte-exact', async () => {
    const frames = await connect()
    const pair = await sessions(frames)
    await transferAcross(pair, 16 * MiB, async () => {
      const fresh = await openExtraChannel(frames.raw.pcA, frames.raw.pcB, 100)
      const resumed = Promise.all([nextResumed(pair.leader), nextResumed(pair.follower)])
      // Neither side saw a drop: each drops the working channel itself, then resumes.
      expect([pair.leader.state, pair.follower.state]).toEqual(['open', 'open'])
      await Promise.all([pair.leader.resume(fromDataChannel(fresh.dcA)), pair.follower.resume(fromDataChannel(fresh.dcB))])
      await resumed
      expect([frames.a.isClosed, frames.b.isClosed]).toEqual([true, true])
    })
  })

  it('a contended counter from both sides stays exact when the connection is cut during a hand-off', async () => {
    const first = await connect()
    const pair = await sessions(first)
    const a = pair.leader.mutex<number>('counter', { initial: 0 })
    const b = pair.follower.mutex<number>('counter')
    const rounds = 200
    let holders = 0
    let maxHolders = 0
    let reconnecting: Promise<unknown> | undefined
    // Each side asks for its next turn before it releases, so every release is a hand-off.
    let last = 0
    const order: string[] = []
    // A failed reconnect fails the test at once, instead of leaving both sides waiting for the token.
    let moveFailed!: (err: unknown) => void
    const failure = new Promise<never>((_, reject) => (moveFailed = reject))
    const run = async (mutex: typeof a, cuts: boolean): Promise<void> => {
      let next = mutex.lock()
      for (let i = 0; i < rounds; i++) {
        const guard = await next
        maxHolders = Math.max(maxHolders, ++holders)
        expect(guard.value).toBe(last)
        guard.value = last = guard.value + 1
        order.push(cuts ? 'L' : 'F')
        await nextMacrotask() // held across a macrotask: a second holder would show
        holders--
        next = i + 1 < rounds ? mutex.lock() : Promise.resolve(guard)
        const peerWaiting = mutex.query().peerWaiting > 0
        const releasing = guard.release()
        // Past the middle, at a hand-off to the waiting peer: the token is on its way.
        if (cuts && reconnecting === undefined && i >= rounds / 2 && peerWaiting) (reconnecting = reconnect(pair, first)).catch(moveFailed)
        await releasing
      }
    }
    const start = await a.lock()
    const follower = run(b, false)
    for (let polls = 0; a.query().peerWaiting === 0; polls++) {
      if (polls > 100_000) throw new Error('the follower’s request never reached the holder')
      await nextMacrotask()
    }
    const leader = run(a, true)
    await start.release()
    await Promise.race([Promise.all([leader, follower]), failure])
    expect(reconnecting, 'no hand-off with the follower waiting was seen').toBeDefined()
    await reconnecting
    expect(maxHolders).toBe(1)
    expect(order.join('')).toBe('FL'.repeat(rounds))
    expect(await a.withLock((g) => g.value)).toBe(2 * rounds)
    expect(await b.withLock((g) => g.value)).toBe(2 * rounds)
  })

  it('without the resume option the same cut closes both sessions as before: no suspension, everything pending rejects', async () => {
    const first = await connect()
    const pair = await sessions(first, false)
    const suspended: string[] = []
    for (const session of [pair.leader, pair.follower]) session.on('suspended', () => suspended.push('suspended'))
    const tx = pair.leader.channel<Uint8Array>('bulk')
    const rx = pair.follower.channel<Uint8Array>('bulk')
    const a = pair.leader.mutex<number>('m', { initial: 0 })
    const b = pair.follower.mutex<number>('m')
    const held = await a.lock()
    const waiting = b.lock()
    const random = prng(seed)
    let received = 0
    const reading = (async () => {
      for await (const chunk of rx) {
        received += chunk.length
        if (received >= 4 * MiB) first.raw.pcA.close()
      }
    })()
    const sending = (async () => {
      for (let i = 0; i < 1024; i++) await tx.send(randomBytes(random, CHUNK))
    })()
    const [sent, read, lock] = await Promise.allSettled([sending, reading, waiting])
    for (const outcome of [sent, read, lock]) expect(outcome).toMatchObject({ status: 'rejected', reason: { code: 'closed' } })
    const reasons = await Promise.all([pair.leader.closed, pair.follower.closed])
    expect(reasons.map((r) => r.code)).toEqual(['closed', 'closed'])
    expect([pair.leader.state, pair.follower.state]).toEqual(['closed', 'closed'])
    expect(suspended).toEqual([])
    expect(received).toBeLessThan(1024 * CHUNK)
    await held.release()
  })
})
