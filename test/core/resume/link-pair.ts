import { createFrameCodec } from '../../../src/codec/codec.js'
import { MemoryBudget } from '../../../src/base/memory-budget.js'
import { NetError } from '../../../src/base/errors.js'
import { memoryPair, type MemoryFrameChannel, type MemoryPairOptions } from '../../../src/transport/memory.js'
import { ENVELOPE_TAG, ReliableLink, type OpenedFrame } from '../../../src/core/resume/reliable-link.js'

/** One end of a link pair: the link, what it delivered, and the frames it saw on the wire. */
export interface LinkEnd {
  readonly link: ReliableLink
  readonly channel: MemoryFrameChannel
  readonly budget: MemoryBudget
  /** Frames handed on after the envelope came off (duplicates and ack-only frames are not). */
  readonly delivered: OpenedFrame[]
  /** Every envelope as it arrived: [seq, ack]. */
  readonly envelopes: [number, number][]
  /** The first error `open` threw (a protocol error closes a real session). */
  error: NetError | undefined
  /** Resolves once `condition` holds, checked after every frame that arrives. */
  until(condition: () => boolean): Promise<void>
}

export interface LinkEndOptions {
  retransmitBytes?: number
  peerRetransmitBytes?: number
}

/** Two ReliableLinks over a memory pair, decoding with the session's codec. */
export function linkPair(a: LinkEndOptions = {}, b: LinkEndOptions = {}, pair: MemoryPairOptions = {}): [LinkEnd, LinkEnd] {
  const [left, right] = memoryPair(pair)
  return [linkEnd(left, a), linkEnd(right, b)]
}

function linkEnd(channel: MemoryFrameChannel, options: LinkEndOptions): LinkEnd {
  const codec = createFrameCodec({ maxDepth: 64, maxItems: 32_768 })
  const budget = new MemoryBudget(64 * 1024 * 1024)
  const link = new ReliableLink(
    { encodeWire: (wire) => codec.encode(wire), write: (bytes, lane) => channel.send(bytes, lane) },
    { retransmitBytes: options.retransmitBytes ?? 1 << 20, peerRetransmitBytes: options.peerRetransmitBytes ?? 1 << 20, budget },
  )
  let waiters: { condition: () => boolean; resolve: () => void }[] = []
  const end: LinkEnd = {
    link,
    channel,
    budget,
    delivered: [],
    envelopes: [],
    error: undefined,
    until: (condition) => (condition() ? Promise.resolve() : new Promise((resolve) => waiters.push({ condition, resolve }))),
  }
  channel.onFrame((bytes) => {
    const frame = codec.decode(bytes) as unknown[]
    if (frame[0] !== ENVELOPE_TAG) throw new Error('a frame without its envelope')
    end.envelopes.push([frame[1] as number, frame[2] as number])
    try {
      const opened = link.open(frame, bytes.length)
      if (opened !== undefined) end.delivered.push(opened)
    } catch (err) {
      end.error ??= err as NetError
    }
    const met = waiters.filter((w) => w.condition())
    waiters = waiters.filter((w) => !met.includes(w))
    for (const w of met) w.resolve()
  })
  return end
}

/** A port-like frame of about `bytes` bytes: [tag, key, payload]. */
export function payload(key: string, bytes = 8): unknown[] {
  return [4, key, new Uint8Array(bytes)]
}
