import type { FrameChannel } from '../transport/frame-channel.js'
import type { MemoryBudget } from '../base/memory-budget.js'
import { NetError, peerSent } from '../base/errors.js'
import { createFrameCodec, type FrameCodec } from '../codec/codec.js'
import type { ResolvedSessionOptions } from './options.js'
import { encodeSessionFrame, parseSessionFrame, type SessionFrame } from './wire.js'
import { DecodeRate } from './decode-rate.js'
import { ENVELOPE_TAG, ReliableLink } from './resume/reliable-link.js'
import { agreeOnResume, localResumeHello, type ResumeHello } from './resume/resume-options.js'
import { deriveCredentials, type ResumeCredentials } from './resume/resume-credentials.js'
import { SwitchableChannel } from './resume/switchable-channel.js'

/**
 * What one decoded data item costs in the heap, beyond the frame's own bytes, when a decoded
 * value is held. Measured with cbor-x on Node 20 (--expose-gc, 1e6 items): an empty map 63 bytes,
 * an empty array 40, a float 24, a one-character string 10, a small integer 8. 96 leaves a third
 * of headroom over the worst of those for the object header of a typed array or a Date.
 */
export const ITEM_HEAP_BYTES = 96

/**
 * The session's frames on its channel: encoded within the peer's frame limit, decoded within this
 * side's, and counted both ways. With resume on, frames after the handshake go through a
 * {@link ReliableLink} (sequence numbers, acks, retransmit buffer); without it the wire is as before.
 */
export class SessionFrames {
  /** Frames and bytes sent and received so far. */
  readonly stats = { framesSent: 0, framesReceived: 0, bytesSent: 0, bytesReceived: 0 }
  /** The largest frame the peer accepts, from its hello. */
  peerMaxFrameBytes = Infinity
  /** The estimated heap size of the frame last read, decoded: see {@link ITEM_HEAP_BYTES}. */
  lastCost = 0
  /** What this side's hello says about resume; undefined without the option. */
  readonly resumeHello: ResumeHello | undefined
  /** The secret and session id for a resume, derived once both hellos agreed on resume. */
  credentials: Promise<ResumeCredentials> | undefined
  /** The channel the session uses: with resume on, a {@link SwitchableChannel} over the one given. */
  readonly channel: FrameChannel
  readonly #codec: FrameCodec
  #link: ReliableLink | undefined

  constructor(
    channel: FrameChannel,
    private readonly opts: ResolvedSessionOptions,
  ) {
    this.channel = opts.resume === undefined ? channel : new SwitchableChannel(channel)
    const rate = new DecodeRate(opts.maxItemsPerSecond, opts.maxItems)
    // Paid between the guard's walk and decoding, so a refused frame is never built.
    this.#codec = createFrameCodec(opts, (items) => rate.take(items))
    // The retransmit buffer is as large as the memory budget: see docs/resume-design.md.
    this.resumeHello = opts.resume === undefined ? undefined : localResumeHello(opts.maxHeldBytes)
  }

  get codec(): FrameCodec {
    return this.#codec
  }

  /** The sequenced link, once both sides agreed on resume. */
  get link(): ReliableLink | undefined {
    return this.#link
  }

  /**
   * The roles were decided on the peer's `hello`: frames are sent within its frame limit, and
   * from now on sequenced if both sides asked for resume. Throws NetError `usage` if only one did.
   */
  agree(hello: { readonly maxFrameBytes: number; readonly resume?: ResumeHello }, budget: MemoryBudget, isLeader: boolean): void {
    this.peerMaxFrameBytes = hello.maxFrameBytes
    const peer = hello.resume
    agreeOnResume(this.resumeHello, peer)
    if (peer === undefined || this.resumeHello === undefined) return
    this.credentials = deriveCredentials(this.resumeHello.contribution, peer.contribution, isLeader)
    this.credentials.catch(() => undefined)
    const options = { retransmitBytes: this.resumeHello.retransmitBytes, peerRetransmitBytes: peer.retransmitBytes, budget }
    this.#link = new ReliableLink({ encodeWire: (wire) => this.encodeWire(wire), write: (bytes, lane) => this.write(bytes, lane) }, options)
  }

  /**
   * Sends a frame an operation depends on (port, cancel, cancelled): sequenced and kept for a
   * retransmit when resume is on. Throws NetError `usage`, with nothing sent, for a frame that
   * cannot be encoded (see {@link SessionFrames.encode}).
   */
  sendReliable(wire: unknown[], lane: string): Promise<void> {
    if (this.#link !== undefined) return this.#link.sendSequenced(wire, lane)
    return this.write(this.encodeWire(wire), lane)
  }

  /**
   * Sends a session control frame (hello, ping, pong, bye); never throws (a failure is the
   * returned rejection). The hello announces resume; pings and pongs carry the ack.
   */
  sendControl(frame: SessionFrame): Promise<void> {
    try {
      if (this.#link !== undefined && (frame.type === 'ping' || frame.type === 'pong')) {
        return this.#link.sendUnsequenced(encodeSessionFrame(frame))
      }
      const announced = frame.type === 'hello' && this.resumeHello !== undefined ? { ...frame, resume: this.resumeHello } : frame
      return this.write(this.encode(announced))
    } catch (err) {
      return Promise.reject(err)
    }
  }

  /** Rejects every send the link holds with `reason`. */
  stop(reason: NetError): void {
    this.#link?.stop(reason)
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

  /**
   * Counts and parses one frame from the peer; undefined when nothing is left to handle (a
   * duplicate, or an ack alone). Throws NetError `protocol` for a bad one.
   */
  read(bytes: Uint8Array): SessionFrame | undefined {
    this.stats.framesReceived++
    this.stats.bytesReceived += bytes.length
    if (bytes.length > this.opts.maxFrameBytes) {
      throw peerSent(`a ${bytes.length}-byte frame; the limit is ${this.opts.maxFrameBytes} bytes`)
    }
    const value = this.#codec.decode(bytes)
    this.lastCost = bytes.length + this.#codec.lastItems * ITEM_HEAP_BYTES
    if (this.#link === undefined || !Array.isArray(value) || value[0] !== ENVELOPE_TAG) {
      const frame = parseSessionFrame(value)
      if (this.#link !== undefined && isSequencedKind(frame)) throw peerSent(`a ${frame.type} frame without its sequence number`)
      return frame
    }
    const opened = this.#link.open(value, bytes.length)
    if (opened === undefined) return undefined
    const frame = parseSessionFrame(opened.wire)
    if (opened.sequenced !== isSequencedKind(frame)) {
      throw peerSent(`a ${frame.type} frame ${opened.sequenced ? 'with' : 'without'} a sequence number`)
    }
    return frame
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

/** Frames an operation depends on: numbered and retransmitted when resume is on. */
function isSequencedKind(frame: SessionFrame): boolean {
  return frame.type === 'port' || frame.type === 'cancel' || frame.type === 'cancelled' || frame.type === 'scopeEnd'
}
