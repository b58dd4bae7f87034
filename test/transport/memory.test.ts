import { describe, expect, it } from 'vitest'
import { resolveFrameChannelOptions, type FrameChannel } from '../../src/transport/frame-channel.js'
import { createFrameChannel } from '../../src/transport/framed-channel.js'
import { memoryPair, type MemoryPairOptions } from '../../src/transport/memory.js'
import { NetError } from '../../src/base/errors.js'
import {
  frameChannelContract,
  garbageChunkContract,
  within,
  type ContractPair,
} from '../helpers/frame-channel-contract.js'
import { prng } from '../helpers/prng.js'

function memoryContractPair(options: MemoryPairOptions): Promise<ContractPair> {
  const [a, b] = memoryPair(options)
  return Promise.resolve({
    a,
    b,
    pauseB: () => b.pause(),
    resumeB: () => b.resume(),
    close: async () => {
      a.close()
      b.close()
    },
  })
}

frameChannelContract('memoryPair', (options) => memoryContractPair(options))

frameChannelContract('memoryPair with 2 ms latency and 3 ms jitter', (options, seed) =>
  memoryContractPair({ ...options, latencyMs: 2, jitterMs: 3, random: prng(seed) }),
)

garbageChunkContract('framing layer')

const CHUNK_BYTES = resolveFrameChannelOptions().chunkBytes

describe('framing layer over a failing transport', () => {
  /** A FrameChannel whose transport accepts `accepted` messages, then fails as `fail` says. */
  function failingChannel(accepted: number, fail: 'throw' | 'close'): FrameChannel {
    let sent = 0
    return createFrameChannel((sink) => ({
      send() {
        if (++sent <= accepted) return
        if (fail === 'throw') throw new Error('send failed')
        sink.closed(new NetError('closed', 'the transport closed while sending'))
      },
      bufferedAmount: 0,
      waitForDrain: () => Promise.resolve(),
      close() {},
    }))
  }

  for (const fail of ['throw', 'close'] as const) {
    it(`rejects a chunked frame whose transport ${fail}s mid-frame, instead of losing it`, async () => {
      const channel = failingChannel(2, fail)
      const err: unknown = await within(
        channel.send(new Uint8Array(4 * CHUNK_BYTES)).catch((e: unknown) => e),
        'the send to settle',
      )
      expect(err).toBeInstanceOf(NetError)
      expect((err as NetError).code).toBe('closed')
      expect(channel.isClosed).toBe(true)
    })

    it(`rejects a small frame whose transport ${fail}s while sending it`, async () => {
      const channel = failingChannel(0, fail)
      const err: unknown = await channel.send(new Uint8Array(10)).catch((e: unknown) => e)
      expect((err as NetError).code).toBe('closed')
    })
  }
})

describe('framing layer backpressure', () => {
  const { highWaterBytes } = resolveFrameChannelOptions()
  const FRAME = 64 * 1024

  /** A transport that never drains; `reports` says whether its bufferedAmount counts what it holds. */
  function stuckTransport(reports: boolean): { channel: FrameChannel; taken: () => number } {
    let taken = 0
    const channel = createFrameChannel(() => ({
      copiesOnSend: true,
      send(data) {
        taken += data.length
      },
      get bufferedAmount() {
        return reports ? taken : 0
      },
      waitForDrain: () => new Promise<void>(() => {}),
      close() {},
    }))
    return { channel, taken: () => taken }
  }

  it('fills a transport that counts what it holds up to the high-water mark, then waits', async () => {
    const { channel, taken } = stuckTransport(true)
    const sends = Array.from({ length: 40 }, () => channel.send(new Uint8Array(FRAME)))
    // The frames still waiting reject when the channel closes at the end.
    for (const send of sends) send.catch(() => {})
    await within(Promise.all(sends.slice(0, highWaterBytes / FRAME - 1)), 'the transport to take its high-water mark', 5000)
    await new Promise((resolve) => setImmediate(resolve))
    expect(taken()).toBeGreaterThanOrEqual(highWaterBytes - FRAME)
    expect(taken()).toBeLessThanOrEqual(highWaterBytes + FRAME)
    channel.close()
  })

  it('yields a task after each high-water mark of chunks to a transport that reports 0', async () => {
    const { channel, taken } = stuckTransport(false)
    const sends = Array.from({ length: 40 }, () => channel.send(new Uint8Array(FRAME)))
    // Within this task the burst stops at the mark; the rest goes after the yields.
    expect(taken()).toBeLessThanOrEqual(highWaterBytes + FRAME)
    await Promise.all(sends)
    expect(taken()).toBeGreaterThanOrEqual(40 * FRAME)
    channel.close()
  })
})
