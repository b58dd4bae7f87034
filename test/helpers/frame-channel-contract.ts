/**
 * The behaviour every {@link FrameChannel} must show, as a vitest suite each implementation runs:
 * `frameChannelContract('memory', makePair)`. Waits are on events and promises, each bounded by
 * {@link within} so that a broken implementation fails with a message instead of hanging.
 */
import { createHash } from 'node:crypto'
import { afterAll, afterEach, beforeAll, describe, expect, it, onTestFailed } from 'vitest'
import { NetError } from '../../src/base/errors.js'
import {
  resolveFrameChannelOptions,
  type FrameChannel,
  type FrameChannelOptions,
} from '../../src/transport/frame-channel.js'
import { fromDataChannel } from '../../src/transport/data-channel.js'
import { createFrameChannel } from '../../src/transport/framed-channel.js'
import type { RawTransportSink } from '../../src/transport/raw-transport.js'
import { prng, randomBytes, randomInt, seedFromEnv } from './prng.js'
import type { FrameChannelPair } from './webrtc-pair.js'

/** A pair under test; `pauseB`/`resumeB` make `b` a slow reader where the transport allows. */
export interface ContractPair extends FrameChannelPair {
  pauseB?(): void
  resumeB?(): void
}

/**
 * Builds a connected pair with the given channel options; `seed` is the run's seed, for pairs
 * with random behaviour of their own (jitter).
 */
export type MakeContractPair = (options: FrameChannelOptions, seed: number) => Promise<ContractPair>

/** Options the contract runs with: the defaults, written out so the bounds below can use them. */
export const CONTRACT_OPTIONS = resolveFrameChannelOptions({})
const { chunkBytes, highWaterBytes } = CONTRACT_OPTIONS
const MiB = 1024 * 1024

/** Rejects with a message naming `what` when `promise` takes longer than `ms`. */
export async function within<T>(promise: Promise<T>, what: string, ms = 20_000): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms)
  })
  try {
    return await Promise.race([promise, timeout])
  } finally {
    clearTimeout(timer)
  }
}

/** Resolves with the next `count` frames `channel` receives (it becomes the receiver). */
export function receive(channel: FrameChannel, count: number): Promise<Uint8Array[]> {
  return new Promise((resolve) => {
    const frames: Uint8Array[] = []
    channel.onFrame((frame) => {
      frames.push(frame)
      if (frames.length === count) resolve(frames)
    })
  })
}

function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex')
}

/**
 * A FrameChannel whose incoming transport messages the test writes itself: the test-only way to
 * feed the framing layer garbage that no well-behaved peer can produce.
 */
export function injectableChannel(options: FrameChannelOptions = {}): {
  channel: FrameChannel
  inject(message: Uint8Array): void
} {
  let sink: RawTransportSink | undefined
  const channel = createFrameChannel((s) => {
    sink = s
    return { send() {}, bufferedAmount: 0, waitForDrain: () => Promise.resolve(), close() {} }
  }, options)
  return { channel, inject: (message) => sink?.message(message) }
}

function u32(value: number): number[] {
  return [value >>> 24, (value >>> 16) & 255, (value >>> 8) & 255, value & 255]
}

/** Malformed chunk sequences, each of which must close the receiver with NetError `protocol`. */
export const GARBAGE: Record<string, number[][]> = {
  'an unknown chunk kind': [[7, 1, 2, 3]],
  'an empty message': [[]],
  'a truncated first-chunk header': [[1, 0, 0, 0]],
  'a truncated next-chunk header': [[2, 0, 0]],
  'a chunk for an unknown frame id': [[2, ...u32(42), 9, 9, 9]],
  'an oversize announced total': [[1, ...u32(1), ...u32(CONTRACT_OPTIONS.maxFrameBytes + 1), 0]],
  'a first chunk that already holds the whole frame': [[1, ...u32(1), ...u32(2), 5, 5]],
  'a frame id started twice': [[1, ...u32(3), ...u32(100), 1], [1, ...u32(3), ...u32(100), 1]],
  'a chunk past its frame end': [[1, ...u32(4), ...u32(4), 1], [2, ...u32(4), 1, 2, 3, 4]],
}

/** Registers the contract suite for one FrameChannel implementation. */
export function frameChannelContract(name: string, makePair: MakeContractPair): void {
  describe(`${name}: FrameChannel contract`, () => {
    const seed = seedFromEnv()
    const replay = (): void => onTestFailed(() => console.log(`${name}: replay with SEED=${seed}`))
    const connect = (): Promise<ContractPair> => makePair(CONTRACT_OPTIONS, seed)

    describe('data', () => {
      let pair: ContractPair
      beforeAll(async () => {
        pair = await connect()
      })
      afterAll(() => pair?.close())

      it('keeps the order of frames sent one after another', async () => {
        replay()
        const random = prng(seed)
        const sent = Array.from({ length: 60 }, () => randomBytes(random, randomInt(random, 0, 3 * chunkBytes)))
        const arriving = receive(pair.b, sent.length)
        for (const frame of sent) await pair.a.send(frame)
        const got = await within(arriving, 'all frames')
        expect(got.map(sha256)).toEqual(sent.map(sha256))
      })

      it('delivers frames of every size intact, in both directions', async () => {
        replay()
        const random = prng(seed + 1)
        const sizes = [1, 1024, chunkBytes - 2, chunkBytes - 1, chunkBytes, chunkBytes + 1, 64 * 1024, MiB, 4 * MiB]
        for (const [from, to] of [[pair.a, pair.b], [pair.b, pair.a]] as const) {
          const sent = sizes.map((size) => randomBytes(random, size))
          const arriving = receive(to, sent.length)
          for (const frame of sent) await from.send(frame)
          const got = await within(arriving, 'frames of every size')
          expect(got.map((frame) => frame.length)).toEqual(sizes)
          expect(got.map(sha256)).toEqual(sent.map(sha256))
        }
      })

      it('delivers 10,000 small frames intact and in order', async () => {
        replay()
        const random = prng(seed + 2)
        const sent = Array.from({ length: 10_000 }, (_, i) => {
          const frame = randomBytes(random, randomInt(random, 4, 64))
          new DataView(frame.buffer).setUint32(0, i)
          return frame
        })
        const arriving = receive(pair.b, sent.length)
        await within(Promise.all(sent.map((frame) => pair.a.send(frame))), 'sends of 10,000 frames')
        const got = await within(arriving, '10,000 frames')
        got.forEach((frame, i) => {
          if (Buffer.compare(frame, sent[i]!) !== 0) expect.fail(`frame ${i} differs from what was sent`)
        })
      })

      it('lets a small frame overtake a 4 MiB frame that is still being sent', async () => {
        const big = randomBytes(prng(1), 4 * MiB)
        const small = new Uint8Array([1, 2, 3])
        const order: number[] = []
        const arriving = new Promise<void>((resolve) => {
          pair.b.onFrame((frame) => {
            order.push(frame.length)
            if (order.length === 2) resolve()
          })
        })
        const sends = Promise.all([pair.a.send(big), pair.a.send(small)])
        await within(Promise.all([sends, arriving]), 'both frames')
        expect(order).toEqual([small.length, big.length])
      })

      it('keeps the sender buffer bounded while sending 32 MiB to a slow reader', async () => {
        const total = 32 * MiB
        const frame = randomBytes(prng(2), 256 * 1024)
        const expected = createHash('sha256')
        const actual = createHash('sha256')
        let received = 0
        const done = new Promise<void>((resolve) => {
          pair.b.onFrame((bytes) => {
            actual.update(bytes)
            received += bytes.length
            // A slow reader: the memory pair stops delivery until the next timer tick.
            if (pair.pauseB !== undefined && pair.resumeB !== undefined) {
              pair.pauseB()
              setTimeout(() => pair.resumeB?.(), 1)
            }
            if (received === total) resolve()
          })
        })
        let maxBuffered = 0
        for (let sent = 0; sent < total; sent += frame.length) {
          // A different frame each time, so that a lost or repeated chunk changes the hash.
          frame[0] = (sent / frame.length) & 255
          expected.update(frame)
          await pair.a.send(frame)
          maxBuffered = Math.max(maxBuffered, pair.a.bufferedAmount)
          expect(pair.a.bufferedAmount).toBeLessThanOrEqual(highWaterBytes + 2 * chunkBytes)
        }
        await within(done, '32 MiB at the reader', 60_000)
        expect(actual.digest('hex')).toBe(expected.digest('hex'))
        if (pair.pauseB !== undefined) expect(maxBuffered).toBeGreaterThan(CONTRACT_OPTIONS.lowWaterBytes)
      })
    })

    describe('close', () => {
      let pair: ContractPair | undefined
      afterEach(async () => {
        await pair?.close()
        pair = undefined
      })

      for (const side of ['a', 'b'] as const) {
        it(`close on ${side} is seen by the other side, whose pending send rejects`, async () => {
          pair = await connect()
          const closer = pair[side]
          const other = side === 'a' ? pair.b : pair.a
          // 16 MiB takes far longer to send than the close takes to arrive.
          const pending = other.send(new Uint8Array(16 * MiB))
          const rejected = pending.then(
            () => undefined,
            (err: unknown) => err,
          )
          closer.close()
          expect(closer.isClosed).toBe(true)
          const local = await closer.closed
          expect(local).toBeInstanceOf(NetError)
          expect(local.code).toBe('closed')
          const remote = await within(other.closed, 'the peer to see the close')
          expect(remote).toBeInstanceOf(NetError)
          expect(remote.code).toBe('closed')
          expect(other.isClosed).toBe(true)
          const err = await within(rejected, 'the pending send to settle')
          expect(err).toBeInstanceOf(NetError)
          expect((err as NetError).code).toBe('closed')
        })
      }

      it('reports the reason given to close, and a second close changes nothing', async () => {
        pair = await connect()
        const reason = new NetError('timeout', 'the peer went silent')
        pair.a.close(reason)
        pair.a.close()
        pair.a.close(new NetError('protocol', 'ignored'))
        expect(await pair.a.closed).toBe(reason)
        expect((await within(pair.b.closed, 'the peer to see the close')).code).toBe('closed')
        pair.b.close()
        expect(pair.a.isClosed && pair.b.isClosed).toBe(true)
      })

      it('rejects a send after close with NetError closed, on both sides', async () => {
        pair = await connect()
        pair.a.close()
        await within(pair.b.closed, 'the peer to see the close')
        for (const channel of [pair.a, pair.b]) {
          const err: unknown = await channel.send(new Uint8Array([1])).catch((e: unknown) => e)
          expect(err).toBeInstanceOf(NetError)
          expect((err as NetError).code).toBe('closed')
        }
      })
    })
  })
}

/** Registers the garbage-chunk suite (run over a test-only way in, not a real transport). */
export function garbageChunkContract(name: string): void {
  describe(`${name}: garbage chunks`, () => {
    for (const [what, messages] of Object.entries(GARBAGE)) {
      it(`closes with NetError protocol on ${what}, throwing nothing`, async () => {
        const { channel, inject } = injectableChannel(CONTRACT_OPTIONS)
        const frames: Uint8Array[] = []
        channel.onFrame((frame) => frames.push(frame))
        for (const message of messages) expect(() => inject(new Uint8Array(message))).not.toThrow()
        const reason = await within(channel.closed, 'the channel to close')
        expect(reason.code).toBe('protocol')
        expect(channel.isClosed).toBe(true)
        expect(() => inject(new Uint8Array([0, 1]))).not.toThrow()
        expect(frames).toEqual([])
      })
    }

    it('reserves memory for what arrived, not for what first chunks claim', () => {
      const { channel, inject } = injectableChannel(CONTRACT_OPTIONS)
      channel.onFrame(() => {})
      const before = process.memoryUsage().arrayBuffers
      // 200 frames in flight, each claiming the largest frame allowed (64 MiB) after 4 bytes.
      for (let id = 0; id < 200; id++) inject(new Uint8Array([1, ...u32(id), ...u32(CONTRACT_OPTIONS.maxFrameBytes), 1, 2, 3, 4]))
      expect(channel.isClosed).toBe(false)
      // Reserving each claimed total took 200 × 64 MiB.
      expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(64 * MiB)
      channel.close()
    })
  })
}

/**
 * `fromDataChannel` refuses an unordered or partially reliable channel of a real WebRTC stack,
 * with NetError `usage` naming the property. `newPeerConnection` makes a connection to create
 * the channels on (no peer needed).
 */
export function dataChannelRefusalContract(name: string, newPeerConnection: () => Promise<RTCPeerConnection>): void {
  describe(`fromDataChannel refusals over ${name}`, () => {
    const cleanups: (() => unknown)[] = []
    afterEach(async () => {
      for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
    })
    const refusals: [string, RTCDataChannelInit, RegExp][] = [
      ['an unordered channel', { ordered: false }, /ordered: false/],
      ['a channel with maxRetransmits', { maxRetransmits: 0 }, /maxRetransmits: 0/],
      ['a channel with maxPacketLifeTime', { maxPacketLifeTime: 100 }, /maxPacketLifeTime: 100/],
    ]
    for (const [what, init, message] of refusals) {
      it(`refuses ${what} with NetError usage naming the property`, async () => {
        const pc = await newPeerConnection()
        cleanups.push(() => pc.close())
        const dc = pc.createDataChannel('refused', init)
        cleanups.push(() => dc.close())
        let err: unknown
        try {
          fromDataChannel(dc)
        } catch (e) {
          err = e
        }
        expect(err).toBeInstanceOf(NetError)
        expect((err as NetError).code).toBe('usage')
        expect((err as NetError).message).toMatch(message)
      })
    }
  })
}
