import type { NetError } from '../base/errors.js'
import { checkInteger, checkNumber, checkOptionsObject, usageError } from '../base/arguments.js'
import { MAX_TIMER_MS } from '../base/unref-timer.js'

/**
 * An ordered, reliable, message-framed byte channel: the one interface every transport adapter
 * produces and the session consumes.
 */
export interface FrameChannel {
  /**
   * Sends one frame; it arrives whole. Frames of one `lane` arrive in the order sent; frames of
   * different lanes (or without a lane) may overtake a large frame that is still being chunked,
   * so that a small control frame never waits behind a big value. Resolves once the frame has
   * been handed to the transport; while the transport's buffer is full it waits (backpressure).
   * Rejects with NetError `closed` if the channel closes first.
   */
  send(frame: Uint8Array, lane?: string): Promise<void>
  /**
   * Sets the one receiver of incoming frames. Frames that arrived earlier are delivered first,
   * in order. The frame passed in is owned by the receiver.
   */
  onFrame(receiver: (frame: Uint8Array) => void): void
  /**
   * Resolves once the channel has closed with the NetError that says why, and never rejects: code
   * `closed` for a clean close (its message says whether this side or the peer closed it), or the
   * failure (`protocol`, `timeout`, …) that closed it. `await channel.closed` never throws.
   */
  readonly closed: Promise<NetError>
  /** True once the channel has closed. */
  readonly isClosed: boolean
  /** Bytes accepted by `send` that the transport has not yet put on the wire. */
  readonly bufferedAmount: number
  /**
   * Closes the channel and the transport under it, at once. Idempotent. Frames still on their way
   * may be lost: node-datachannel drops those that reach the peer together with the close. A
   * Session closes with a handshake that waits for the peer first; do the same over a bare
   * FrameChannel if the last frames matter.
   */
  close(reason?: NetError): void
}

/**
 * Limits and buffer sizes shared by every adapter. A value outside what an option accepts makes
 * the adapter throw NetError `usage` naming the option.
 */
export interface FrameChannelOptions {
  /**
   * Largest transport message; larger frames are split into chunks of this size and reassembled.
   * 256 KiB is the SCTP `max-message-size` every current browser, @roamhq/wrtc and
   * node-datachannel announce; a peer that announces less (RFC 8841's default is 64 KiB) needs
   * its own figure. Each message costs the transport about the same whatever its size, so large
   * chunks are what lets a 64 KiB value go as one message. An integer ≥ 64.
   * @default 262144
   * @example `fromDataChannel(dc, { chunkBytes: pc.sctp?.maxMessageSize ?? 65536 })`
   */
  chunkBytes?: number
  /**
   * Largest frame accepted from the peer (after reassembly); a larger one closes the channel
   * with NetError `protocol` before any memory is allocated for it. An integer in [1, 2^32 − 1].
   * @default 67108864 (64 MiB)
   */
  maxFrameBytes?: number
  /**
   * `send` waits while the transport holds more than this many bytes. An integer ≥ 0.
   * @default 1048576 (1 MiB)
   */
  highWaterBytes?: number
  /**
   * After waiting, sending resumes once the transport holds no more than this. An integer in
   * [0, highWaterBytes].
   * @default 262144 (256 KiB)
   */
  lowWaterBytes?: number
  /**
   * How often to re-check the transport's buffer when it does not fire `bufferedamountlow`
   * (the check is a fallback; event-driven transports resume on the event). A finite number > 0.
   * @default 5
   */
  drainPollMs?: number
}

/** {@link FrameChannelOptions} with every default filled in. */
export type ResolvedFrameChannelOptions = Required<FrameChannelOptions>

/** The chunk header is a u32 of the frame's length, so no frame can be larger than this. */
const MAX_FRAME_LIMIT = 0xffff_ffff

/**
 * Fills in the defaults; throws NetError `usage`, naming `where` (the adapter called) and the
 * option, for a value outside what the option accepts.
 */
export function resolveFrameChannelOptions(options: FrameChannelOptions = {}, where = 'FrameChannel'): ResolvedFrameChannelOptions {
  const given = checkOptionsObject(where, options)
  checkInteger(where, 'chunkBytes', given.chunkBytes, 64)
  checkInteger(where, 'maxFrameBytes', given.maxFrameBytes, 1, MAX_FRAME_LIMIT)
  checkInteger(where, 'highWaterBytes', given.highWaterBytes, 0)
  checkInteger(where, 'lowWaterBytes', given.lowWaterBytes, 0)
  checkNumber(where, 'drainPollMs', given.drainPollMs, { min: 0, max: MAX_TIMER_MS, aboveMin: true })
  const resolved = {
    chunkBytes: options.chunkBytes ?? 256 * 1024,
    maxFrameBytes: options.maxFrameBytes ?? 64 * 1024 * 1024,
    highWaterBytes: options.highWaterBytes ?? 1024 * 1024,
    lowWaterBytes: options.lowWaterBytes ?? 256 * 1024,
    drainPollMs: options.drainPollMs ?? 5,
  }
  if (resolved.lowWaterBytes > resolved.highWaterBytes) {
    throw usageError(
      where,
      `lowWaterBytes must not exceed highWaterBytes, got lowWaterBytes ${resolved.lowWaterBytes} and highWaterBytes ${resolved.highWaterBytes}`,
    )
  }
  return resolved
}
