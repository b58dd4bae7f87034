import { describe, expect, it } from 'vitest'
import { resolveFrameChannelOptions, type FrameChannel } from '../../src/channel/frame-channel.js'
import { createFrameChannel } from '../../src/channel/framed-channel.js'
import { memoryPair, type MemoryPairOptions } from '../../src/channel/memory.js'
import { NetError } from '../../src/errors.js'
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
