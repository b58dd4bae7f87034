import { afterEach, describe, expect, it } from 'vitest'
import { NetError } from '../../../src/base/errors.js'
import { encodeChannelMessage, measureValue, parseChannelMessage } from '../../../src/ops/channel/typed-channel-wire.js'
import { prng, randomInt, seedFromEnv } from '../../helpers/prng.js'
import { memorySessions, type SessionPair } from '../../helpers/session-pair.js'
import {
  abortPendingSend,
  barrier,
  bigMessage,
  bothDirections,
  channelPair,
  closeAtOnce,
  closedCleanly,
  collect,
  expectNetError,
  halfCloseWhilePeerSends,
  originalScenario,
  probe,
  readerGivesUp,
  sessionClosedMidway,
  slowConsumer,
  windowHoldsSender,
} from './typed-channel-scenarios.js'
import { sessionCore } from '../../../src/session.js'
import { rawPeer } from '../../helpers/session-probes.js'

const seed = seedFromEnv()
console.log(`typed-channel: SEED=${seed}`)

let open: SessionPair[] = []
afterEach(async () => {
  await Promise.all(open.map((pair) => pair.close()))
  open = []
})

/** A memory session pair with seeded latency and jitter (order is kept). */
async function sessions(latencyMs = 1, jitterMs = 2, options: Parameters<typeof memorySessions>[1] = {}) {
  const pair = await memorySessions({ latencyMs, jitterMs, random: prng(seed) }, options)
  open.push(pair)
  return pair
}

/** The reader's own work per value (simulated slowness, not a synchronisation). */
const slowly = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 2))

describe('typed channel over a memory pair', () => {
  it("runs the original's scenario: each side sends 0..999, then receives 0..999 in order", async () => {
    await originalScenario(await sessions())
  })

  it('carries 1,000 values in order in both directions at once, each send awaited', async () => {
    await bothDirections(await sessions())
    await bothDirections(await sessions(0, 0), 1000, { window: 3 })
  })

  it('carries a 4 MiB Uint8Array intact and keeps a small value sent after it behind it', async () => {
    await bigMessage(await sessions(), seed)
  })

  it('holds a sender to the window of a slow reader, whose buffer never exceeds it', async () => {
    const pair = await sessions()
    const small = await slowConsumer(pair, { window: 16, count: 200, value: (i) => i, weight: 8, takeDelay: slowly })
    expect(small.maxMessages).toBeLessThanOrEqual(16)
    // The sender did run into the window (it was held by credit, not by a lack of data).
    expect(small.maxAhead).toBe(16)
    const bytes = await slowConsumer(pair, {
      window: 256,
      windowBytes: 256 * 1024,
      count: 40,
      value: (i) => new Uint8Array(64 * 1024).fill(i),
      weight: 64 * 1024,
      takeDelay: slowly,
    })
    expect(bytes.maxBytes).toBeLessThanOrEqual(256 * 1024 + 64 * 1024)
    expect(bytes.maxAhead).toBe(4)
  })

  it('delivers exactly a window to a reader that does not read, and the next send waits', async () => {
    await windowHoldsSender(await sessions(), 5)
  })

  it('ends both iterations when both sides close at once, and frees the key', async () => {
    await closeAtOnce(await sessions())
  })

  it('lets a side that closed its sending keep reading what the peer still sends', async () => {
    await halfCloseWhilePeerSends(await sessions())
  })

  it('break out of for-await: stops the peer (NetError closed) and releases both ports', async () => {
    await readerGivesUp(await sessions(), 'break')
  })

  it('await using / dispose while the peer sends: the same clean stop', async () => {
    await readerGivesUp(await sessions(), 'dispose')
  })

  it('rejects pending sends and reads with NetError when the session closes, on either side', async () => {
    await sessionClosedMidway(await sessions(), 'leader')
    await sessionClosedMidway(await sessions(), 'follower')
  })

  it('rejects pending sends and reads with NetError timeout when the peer vanishes', async () => {
    const quick = { heartbeatMs: 20, timeoutMs: 150 }
    const pair = await sessions(1, 0, { leader: quick, follower: quick })
    const [a, b] = channelPair<number>(pair, { window: 1 })
    await a.send(0)
    const pending = a.send(1)
    const reading = probe(collect(b)).promise
    const waiting = probe(a[Symbol.asyncIterator]().next()).promise
    pair.leaderEnd.sever()
    await expectNetError(pending, 'timeout')
    await expectNetError(waiting, 'timeout')
    await expectNetError(reading, 'timeout')
    expect((await a.closed).code).toBe('timeout')
  })

  it('withdraws an aborted pending send; an already aborted signal sends nothing', async () => {
    await abortPendingSend(await sessions())
  })

  it('amortises credit: at most one credit message per half window of data', async () => {
    const pair = await sessions(0, 0)
    const [a, b] = channelPair<{ i: number }>(pair, {}, 'counted')
    const reading = collect(b)
    for (let i = 0; i < 1000; i++) await a.send({ i })
    await a.close()
    expect(await reading).toHaveLength(1000)
    await b.close()
    await closedCleanly(a, b, 'a')
    // Leader: hello, 1000 data, end, stop. Follower: hello, credits, stop, end.
    expect(pair.leaderCounts.byKey.get('counted')).toBe(1003)
    const credits = pair.followerCounts.byKey.get('counted')! - 3
    expect(credits).toBeGreaterThan(0)
    expect(credits).toBeLessThanOrEqual(Math.ceil(1000 / 128))
  })

  it('refuses an unencodable value with NetError usage and keeps the channel working', async () => {
    const [a, b] = channelPair<unknown>(await sessions())
    const cyclic: Record<string, unknown> = {}
    cyclic['self'] = cyclic
    await a.send('first')
    await expectNetError(a.send(Symbol('x')), 'usage')
    await expectNetError(a.send(cyclic), 'usage')
    await expectNetError(a.send(() => 1), 'usage')
    await a.send('second')
    await a.close()
    expect(await collect(b)).toEqual(['first', 'second'])
  })

  it('keeps the order of pipelined sends with large (chunked) and small values interleaved', async () => {
    // Small chunks and a small transport buffer, so the transport backs up in the middle of large values.
    const pair = await memorySessions({
      latencyMs: 1,
      jitterMs: 2,
      random: prng(seed),
      chunkBytes: 16 * 1024,
      highWaterBytes: 32 * 1024,
      lowWaterBytes: 8 * 1024,
    })
    open.push(pair)
    const [a, b] = channelPair<string | number>(pair, { window: 16 })
    // 100 kB values span several transport chunks and fit the port's pipeline together with the
    // small ones after them, so only the frame lane keeps a small value behind a large one.
    const values = Array.from({ length: 200 }, (_, i) => (i % 3 === 0 ? `${i}:${'x'.repeat(100_000)}` : i))
    const reading = collect(b)
    const sends = values.map((value) => a.send(value))
    await Promise.all(sends)
    await a.close()
    expect(await reading).toEqual(values)
  })

  it('keeps later pipelined sends and the whole window after the codec refuses one', async () => {
    const pair = await sessions(1, 0)
    const [a, b] = channelPair<unknown>(pair, { window: 3 })
    const values = Array.from({ length: 20 }, (_, i) => ({ i }))
    // Nobody reads yet: exactly the window (3 values) may go; the refused value must not use a slot.
    const first = a.send(values[0])
    const refused = a.send(() => 1)
    const sends = [first, ...values.slice(1).map((value) => a.send(value))]
    const fourth = probe(sends[3]!)
    await expectNetError(refused, 'usage')
    await Promise.all(sends.slice(0, 3))
    await barrier(pair)
    expect(fourth.settled).toBe(false)
    expect(b.bufferedMessages).toBe(3)
    const reading = collect(b)
    await Promise.all(sends)
    await a.close()
    expect(await reading).toEqual(values)
  })

  it('bounds what pipelined sends hold in the session while the transport is stalled', async () => {
    const pair = await sessions(0, 0)
    const [a, b] = channelPair<Uint8Array>(pair, { windowBytes: 64 * 1024 * 1024 })
    const reading = collect(b)
    await barrier(pair)
    pair.followerEnd.pause()
    const sends = Array.from({ length: 60 }, () => a.send(new Uint8Array(100_000)))
    // The transport takes a few values (up to its high-water mark), then everything waits.
    await sends[2]
    await new Promise((resolve) => setImmediate(resolve))
    // The transport holds its high-water mark; the port at most its pipeline plus one value.
    expect(pair.leaderEnd.bufferedAmount).toBeLessThan(1024 * 1024 + 256 * 1024 + 2 * 100_100)
    pair.followerEnd.resume()
    await Promise.all(sends)
    await a.close()
    expect((await reading).length).toBe(60)
  })

  it("refuses a value larger than the peer's frame limit with NetError usage and keeps the channel working", async () => {
    const pair = await sessions(1, 0, { follower: { maxFrameBytes: 100_000 } })
    const [a, b] = channelPair<string>(pair)
    await a.send('first')
    await expectNetError(a.send('x'.repeat(200_000)), 'usage')
    await a.send('second')
    await a.close()
    expect(await collect(b)).toEqual(['first', 'second'])
  })

  it('allows one reader at a time and refuses sends after close', async () => {
    const [a, b] = channelPair<number>(await sessions())
    const first = b[Symbol.asyncIterator]()
    expect(() => b[Symbol.asyncIterator]()).toThrow(NetError)
    await a.send(7)
    expect((await first.next()).value).toBe(7)
    await a.close()
    await expectNetError(a.send(8), 'usage')
    expect((await first.next()).done).toBe(true)
    expect((await b[Symbol.asyncIterator]().next()).done).toBe(true)
  })

  it('refuses a bad window option and a key already in use', async () => {
    const pair = await sessions()
    expect(() => pair.leader.channel('w', { window: 0 })).toThrow(/window/)
    pair.leader.channel('dup')
    expect(() => pair.leader.channel('dup')).toThrow(/already in use/)
  })

  it('closes the session with NetError protocol when the peer exceeds its credit', async () => {
    const pair = await sessions()
    const a = pair.leader.channel<number>('greedy', { window: 2 })
    const send = rawPeer(pair.follower, 'channel', 'greedy')
    send(encodeChannelMessage({ type: 'hello', window: 8, windowBytes: 1024 }))
    for (let i = 0; i < 3; i++) send(encodeChannelMessage({ type: 'data', value: i, wait: false }))
    const reason = await pair.leader.closed
    expect(reason.code).toBe('protocol')
    expect(reason.message).toMatch(/more than the 2 messages it had credit for/)
    expect(await a.closed).toBe(reason)
  })

  it('closes the session with NetError protocol on data before hello or credit never earned', async () => {
    for (const message of [
      [1, 'x'],
      [2, 1],
    ]) {
      const pair = await sessions()
      pair.leader.channel<number>('rude')
      const send = rawPeer(pair.follower, 'channel', 'rude')
      if (message[0] === 2) send(encodeChannelMessage({ type: 'hello', window: 8, windowBytes: 1024 }))
      send(message)
      expect((await pair.leader.closed).code).toBe('protocol')
    }
  })

  it('keeps order, the window and a clean close across seeded random runs (sizes, windows, pace, break)', async () => {
    const random = prng(seed ^ 0x5eed)
    const pair = await sessions(1, 3)
    for (let run = 0; run < 25; run++) {
      const window = randomInt(random, 1, 20)
      const count = randomInt(random, 0, 120)
      // Some values span several transport chunks, a few exceed the transport's high-water mark.
      const values = Array.from({ length: count }, (_, i) =>
        random() < 0.1 ? `${i}:${'x'.repeat(randomInt(random, 10_000, random() < 0.2 ? 1_500_000 : 60_000))}` : i,
      )
      const breakAt = random() < 0.3 ? randomInt(random, 0, count) : -1
      const [a, b] = channelPair<string | number>(pair, { window, windowBytes: randomInt(random, 1000, 300_000) })
      const sending = probe(
        (async () => {
          for (const value of values) await a.send(value)
          await a.close()
        })(),
      ).promise
      const got: Array<string | number> = []
      for await (const value of b) {
        if (got.length === breakAt) break
        got.push(value)
        expect(b.bufferedMessages).toBeLessThan(window)
        if (random() < 0.3) await new Promise((resolve) => setImmediate(resolve))
      }
      expect(got).toEqual(values.slice(0, got.length))
      if (got.length === count) {
        await sending
        await b.close()
      } else {
        expect(got.length).toBe(breakAt)
        await sending.catch((err: unknown) => expect((err as NetError).code).toBe('closed'))
      }
      await closedCleanly(a, b)
    }
    expect(sessionCore(pair.leader).isClosed || sessionCore(pair.follower).isClosed).toBe(false)
  })

  it('frees the key only after the last message each way (no stray message after release)', async () => {
    const pair = await sessions()
    for (let round = 0; round < 20; round++) {
      const [a, b] = channelPair<number>(pair, { window: 2 }, 'reused')
      const reading = collect(b)
      for (let i = 0; i < 5; i++) await a.send(i)
      await Promise.all([a.close(), b.close()])
      expect(await reading).toEqual([0, 1, 2, 3, 4])
      await closedCleanly(a, b)
    }
    await barrier(pair)
    expect(sessionCore(pair.leader).isClosed || sessionCore(pair.follower).isClosed).toBe(false)
  })
})

describe('typed channel wire', () => {
  it('round-trips every message and rejects malformed ones with NetError protocol', () => {
    for (const message of [
      { type: 'hello', window: 4, windowBytes: 100 },
      { type: 'data', value: { x: [1, 'y'] }, wait: false },
      { type: 'data', value: null, wait: true },
      { type: 'credit', n: 3 },
      { type: 'end' },
      { type: 'stop' },
    ] as const) {
      expect(parseChannelMessage(encodeChannelMessage(message))).toEqual(message)
    }
    for (const bad of [null, {}, [], [9], [0, 0, 1], [0, 1.5, 1], [1], [1, 'x', 2], [2, 0], [2, -1], [3, 'extra'], ['1', 'x'], { type: 'data' }]) {
      expect(() => parseChannelMessage(bad)).toThrow(NetError)
      try {
        parseChannelMessage(bad)
      } catch (err) {
        expect((err as NetError).code).toBe('protocol')
      }
    }
  })

  it('measures binary and string payloads by size, and a Map like the object it arrives as', () => {
    expect(measureValue(new Uint8Array(1000))).toBe(1000)
    expect(measureValue('abcd')).toBe(4)
    expect(measureValue(new Map([['ab', 'xyz']]))).toBe(measureValue({ ab: 'xyz' }))
    const cyclic: Record<string, unknown> = {}
    cyclic['self'] = cyclic
    expect(measureValue(cyclic)).toBeGreaterThan(0)
  })
})
