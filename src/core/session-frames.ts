import type { FrameChannel } from '../transport/frame-channel.js'
import { NetError, peerSent } from '../base/errors.js'
import { createFrameCodec, type FrameCodec } from '../codec/codec.js'
import type { ResolvedSessionOptions } from './options.js'
import { encodeSessionFrame, parseSessionFrame, type SessionFrame } from './wire.js'
import { DecodeRate } from './decode-rate.js'

/**
 * What one decoded data item costs in the heap, beyond the frame's own bytes, when a decoded
 * value is held. Measured with cbor-x on Node 20 (--expose-gc, 1e6 items): an empty map 63 bytes,
 * an empty array 40, a float 24, a one-character string 10, a small integer 8. 96 leaves a third
 * of headroom over the worst of those for the object header of a typed array or a Date.
 */
export const ITEM_HEAP_BYTES = 96

/**
 * The session's frames on its channel: encoded within the peer's frame limit, decoded within this
 * side's, and counted both ways.
 */
export class SessionFrames {
  /** Frames and bytes sent and received so far. */
  readonly stats = { framesSent: 0, framesReceived: 0, bytesSent: 0, bytesReceived: 0 }
  /** The largest frame the peer accepts, from its hello. */
  peerMaxFrameBytes = Infinity
  /** The estimated heap size of the frame last read, decoded: see {@link ITEM_HEAP_BYTES}. */
  lastCost = 0
  readonly #codec: FrameCodec

  constructor(
    private readonly channel: FrameChannel,
    private readonly opts: ResolvedSessionOptions,
  ) {
    const rate = new DecodeRate(opts.maxItemsPerSecond, opts.maxItems)
    // Paid between the guard's walk and decoding, so a refused frame is never built.
    this.#codec = createFrameCodec(opts, (items) => rate.take(items))
  }

  /**
   * Encodes a frame; throws NetError `usage`, with nothing sent, when it cannot be encoded or is
   * larger than the peer accepts, so the caller can settle its operation on both sides.
   */
  encode(frame: SessionFrame): Uint8Array {
    return this.encodeWire(encodeSessionFrame(frame))
  }

  /** {@link SessionFrames.encode} for a frame already in its wire form. */
  encodeWire(wire: unknown[]): Uint8Array {
    const bytes = this.#codec.encode(wire)
    if (bytes.length > this.peerMaxFrameBytes) {
      throw new NetError('usage', `a ${bytes.length}-byte message exceeds the peer's limit of ${this.peerMaxFrameBytes} bytes`)
    }
    return bytes
  }

  /** `lane` keeps one operation's frames in order while other frames may pass a large one. */
  write(bytes: Uint8Array, lane?: string): Promise<void> {
    this.stats.framesSent++
    this.stats.bytesSent += bytes.length
    return this.channel.send(bytes, lane)
  }

  /** Counts and parses one frame from the peer; throws NetError `protocol` for a bad one. */
  read(bytes: Uint8Array): SessionFrame {
    this.stats.framesReceived++
    this.stats.bytesReceived += bytes.length
    if (bytes.length > this.opts.maxFrameBytes) {
      throw peerSent(`a ${bytes.length}-byte frame; the limit is ${this.opts.maxFrameBytes} bytes`)
    }
    const value = this.#codec.decode(bytes)
    this.lastCost = bytes.length + this.#codec.lastItems * ITEM_HEAP_BYTES
    return parseSessionFrame(value)
  }

  /** While closing: whether `bytes` is the peer's `bye` (anything unreadable is not). */
  isBye(bytes: Uint8Array): boolean {
    try {
      return parseSessionFrame(this.#codec.decode(bytes)).type === 'bye'
    } catch {
      return false
    }
  }
}
