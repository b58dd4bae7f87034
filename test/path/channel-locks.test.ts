/**
 * A typed channel, NetMutex and NetRwLock with the default session options over a real path:
 * node-datachannel through a relay that delays every datagram by 20 ms ± 5 ms one way (so
 * datagrams reorder) and loses 2 % of them.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { LOSSY_PATH } from '../helpers/lossy-pair.js'
import { seedFromEnv } from '../helpers/prng.js'
import { lossySessions, type LossySessions } from './lossy-sessions.js'

const seed = seedFromEnv()
console.log(`channel and locks over a lossy path: SEED=${seed}`)

describe('channel and locks on 20 ms ± 5 ms, 2 % loss', () => {
  let s: LossySessions
  beforeAll(async () => {
    s = await lossySessions(LOSSY_PATH, seed)
  })
  afterAll(async () => {
    await s.close()
  })

  it('a channel carries 2,000 messages each way at once, in order, none lost or doubled', async () => {
    const COUNT = 2000
    const [l, f] = [s.leader.channel<{ i: number; pad: string }>('stream'), s.follower.channel<{ i: number; pad: string }>('stream')]
    const receive = async (channel: typeof l): Promise<number[]> => {
      const seen: number[] = []
      for await (const message of channel) seen.push(message.i)
      return seen
    }
    const send = async (channel: typeof l): Promise<void> => {
      for (let i = 0; i < COUNT; i++) await channel.send({ i, pad: 'p'.repeat(i % 300) })
      await channel.close()
    }
    const [, , atFollower, atLeader] = await Promise.all([send(l), send(f), receive(f), receive(l)])
    const expected = Array.from({ length: COUNT }, (_, i) => i)
    expect(atFollower).toEqual(expected)
    expect(atLeader).toEqual(expected)
  })

  it('a mutex: 100 contended increments from both sides come out exact, one holder at a time', async () => {
    const [a, b] = [s.leader.mutex<number>('counter', { initial: 0 }), s.follower.mutex<number>('counter')]
    let holders = 0
    let maxHolders = 0
    const epochs: number[] = []
    const increment = (m: typeof a) => async (): Promise<void> => {
      await m.withLock(async (g) => {
        holders++
        maxHolders = Math.max(maxHolders, holders)
        epochs.push(g.epoch)
        const read = g.value
        await new Promise((resolve) => setImmediate(resolve))
        g.value = read + 1
        holders--
      })
    }
    const run = async (m: typeof a, times: number): Promise<void> => {
      const inc = increment(m)
      for (let i = 0; i < times; i++) await inc()
    }
    await Promise.all([run(a, 50), run(b, 50)])
    expect(await a.withLock((g) => g.value)).toBe(100)
    expect(await b.withLock((g) => g.value)).toBe(100)
    expect(maxHolders).toBe(1)
    for (let i = 1; i < epochs.length; i++) expect(epochs[i]).toBeGreaterThanOrEqual(epochs[i - 1]!)
    await Promise.all([a.close(), b.close()])
  })

  it('an rwlock: readers on both sides never see a half-written value, writes from both sides all land', async () => {
    const [a, b] = [s.leader.rwlock('pair', { initial: { x: 0, y: 0 } }), s.follower.rwlock<{ x: number; y: number }>('pair')]
    const torn: unknown[] = []
    const work = async (lock: typeof a, writes: number): Promise<void> => {
      for (let i = 0; i < writes; i++) {
        await lock.withWrite(async (g) => {
          const next = g.value.x + 1
          g.value = { x: next, y: g.value.y }
          await new Promise((resolve) => setImmediate(resolve))
          g.value = { x: next, y: next }
        })
        const seen = await Promise.all([lock.withRead((g) => g.value), lock.withRead((g) => g.value)])
        for (const value of seen) if (value.x !== value.y) torn.push(value)
      }
    }
    await Promise.all([work(a, 15), work(b, 15)])
    expect(torn).toEqual([])
    expect(await b.withRead((g) => g.value)).toEqual({ x: 30, y: 30 })
    await Promise.all([a.close(), b.close()])
  })

  it('the path was lossy, and no session timed out', () => {
    s.expectLossyAndOpen()
  })
})
