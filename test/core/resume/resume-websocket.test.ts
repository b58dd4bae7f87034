/**
 * Session resume across transports: a session opened over a real DataChannel (node-datachannel,
 * 127.0.0.1) resumes over a WebSocket (`ws`, as through a relay when WebRTC cannot reconnect),
 * then back over a new DataChannel, with channel messages both ways, one-shot operations and a
 * contended lock in flight at both cuts. Nothing is lost, duplicated or reordered.
 */
import { afterEach, describe, expect, it } from 'vitest'
import type { Session } from '../../../src/session.js'
import { openSessions, type SessionPair } from '../../helpers/session-pair.js'
import { nextMacrotask } from '../../helpers/promises.js'
import { nextSuspended, resumeOptions } from '../../helpers/resume-probes.js'
import { nodeDataChannelPair, webSocketPair, type FrameChannelPair } from '../../helpers/webrtc-pair.js'

const MESSAGES = 3000
const PAD = 'p'.repeat(200)

describe('session resume from a DataChannel onto a WebSocket and back', () => {
  let teardown: Array<() => Promise<void>> = []
  afterEach(async () => {
    for (const close of teardown.reverse()) await close()
    teardown = []
  })

  function owned<T extends FrameChannelPair>(pair: T): T {
    teardown.push(() => pair.close())
    return pair
  }

  /** Cuts the link with `cut`, waits until both sessions suspended, connects, resumes both. */
  async function move<T extends FrameChannelPair>(pair: SessionPair, cut: () => void, connect: () => Promise<T>): Promise<T> {
    const suspended = Promise.all([nextSuspended(pair.leader), nextSuspended(pair.follower)])
    cut()
    await suspended
    const next = owned(await connect())
    await Promise.all([pair.leader.resume(next.a), pair.follower.resume(next.b)])
    expect([pair.leader.state, pair.follower.state]).toEqual(['open', 'open'])
    return next
  }

  it('carries channel messages, selects, exchanges and a lock counter over DataChannel → WebSocket → DataChannel', async () => {
    const first = owned(await nodeDataChannelPair())
    const pair = await openSessions([first.a, first.b], { leader: resumeOptions(), follower: resumeOptions() })
    teardown.push(() => pair.close())
    const { leader, follower } = pair

    const progress = { up: 0, rounds: 0, turns: 0 }
    const atMoves: Array<typeof progress> = []
    const waiters: Array<{ at: number; resolve: () => void }> = []
    const reached = (at: number): Promise<void> => new Promise((resolve) => waiters.push({ at, resolve }))
    const moves = (async () => {
      await reached(MESSAGES / 3)
      atMoves.push({ ...progress })
      const ws = await move(pair, () => first.raw.pcA.close(), () => webSocketPair())
      await reached((2 * MESSAGES) / 3)
      atMoves.push({ ...progress })
      await move(pair, () => ws.client.terminate(), () => nodeDataChannelPair())
    })()

    const up = stream(leader, follower, 'up', (n) => {
      progress.up = n
      for (const w of waiters.splice(0)) (n >= w.at ? w.resolve : () => waiters.push(w))()
    })
    const down = stream(follower, leader, 'down', () => undefined)
    let done = false
    void Promise.all([up, down]).finally(() => (done = true))
    const oneShots = (async () => {
      let rounds = 0
      for (; !done && rounds < 100_000; progress.rounds = ++rounds) {
        const [sa, sb] = await Promise.all([leader.select(() => 'a', { key: `s${rounds}` }), follower.select(() => 'b', { key: `s${rounds}` })])
        expect(sa.won !== sb.won, `select ${rounds}: exactly one side wins`).toBe(true)
        expect(await Promise.all([leader.exchange(`a${rounds}`, { key: `x${rounds}` }), follower.exchange(`b${rounds}`, { key: `x${rounds}` })])).toEqual([`b${rounds}`, `a${rounds}`])
      }
      return rounds
    })()
    const counter = (async () => {
      const a = leader.mutex<number>('counter', { initial: 0 })
      const b = follower.mutex<number>('counter')
      let turns = 0
      for (; !done && turns < 100_000; progress.turns = ++turns) {
        await Promise.all([a.withLock((g) => (g.value += 1)), b.withLock((g) => (g.value += 1))])
        await nextMacrotask()
      }
      expect(await a.withLock((g) => g.value)).toBe(2 * turns)
      expect(await b.withLock((g) => g.value)).toBe(2 * turns)
      return turns
    })()

    const [, upValues, downValues, rounds, turns] = await Promise.all([moves, up, down, oneShots, counter])
    expect(upValues).toEqual(sequence())
    expect(downValues).toEqual(sequence())
    // Operations were running through both moves: some completed before each and after the last.
    expect(atMoves.map((p) => p.up < MESSAGES)).toEqual([true, true])
    expect(Math.min(atMoves[0]!.rounds, atMoves[0]!.turns)).toBeGreaterThan(0)
    expect(rounds).toBeGreaterThan(atMoves[1]!.rounds)
    expect(turns).toBeGreaterThan(atMoves[1]!.turns)
  })
})

function sequence(): number[] {
  return Array.from({ length: MESSAGES }, (_, i) => i)
}

/** Sends MESSAGES numbered values from `from` to `to` on `key`; resolves with what arrived, in order. */
async function stream(from: Session, to: Session, key: string, onCount: (n: number) => void): Promise<number[]> {
  const tx = from.channel<{ i: number; pad: string }>(key)
  const rx = to.channel<{ i: number; pad: string }>(key)
  const reading = (async () => {
    const got: number[] = []
    for await (const value of rx) {
      got.push(value.i)
      onCount(got.length)
    }
    return got
  })()
  for (let i = 0; i < MESSAGES; i++) await tx.send({ i, pad: PAD })
  await tx.close()
  return reading
}
