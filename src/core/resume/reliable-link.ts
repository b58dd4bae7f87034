import { NetError, peerSent } from '../../base/errors.js'
import type { MemoryBudget } from '../../base/memory-budget.js'
import { later, type Cancel } from '../../base/macrotask.js'
import { noop } from '../../base/noop.js'
import { ReceiveWindow } from './receive-window.js'
import { RetransmitBuffer, type FrameWriter } from './retransmit-buffer.js'

/**
 * The envelope's tag: with resume on, every frame after the handshake is
 * `[ENVELOPE_TAG, seq, ack, <the frame's own tag and fields>…]`; seq 0 marks a frame that is
 * never retransmitted (ping, pong, the ack-only frame `[ENVELOPE_TAG, 0, ack]`).
 */
export const ENVELOPE_TAG = 8

/** What the link needs from the session's frames: the codec (within the peer's limit) and the channel. */
export interface LinkFrames {
  encodeWire(wire: unknown[]): Uint8Array
  write(bytes: Uint8Array, lane?: string): Promise<void>
}

export interface ReliableLinkOptions {
  /** The most written-but-unacknowledged bytes this side keeps before sends wait. */
  readonly retransmitBytes: number
  /** The peer's own figure, from its hello: acks are sent before its buffer fills. */
  readonly peerRetransmitBytes: number
  /** The session's memory budget (frames that arrive ahead of their sequence are charged to it). */
  readonly budget: MemoryBudget
}

/** A frame with its envelope removed. */
export interface OpenedFrame {
  readonly wire: unknown[]
  /** True for a frame with a sequence number (it must be a reliable kind: port, cancel, cancelled). */
  readonly sequenced: boolean
}

/**
 * Sequence numbers, cumulative acks and the retransmit buffer of a resumable session. Acks ride
 * on every frame this side sends; the one extra frame, an ack alone, goes only when a quarter of
 * the peer's retransmit limit arrived with nothing going back to carry the ack.
 */
export class ReliableLink {
  readonly #window: ReceiveWindow
  readonly #buffer: RetransmitBuffer
  readonly #ackEveryBytes: number
  /** Bytes of sequenced frames received since a frame carrying the current ack went out. */
  #unackedBytes = 0
  #ackLater: Cancel | undefined
  #attached = true
  #stopped: NetError | undefined

  constructor(
    private readonly frames: LinkFrames,
    options: ReliableLinkOptions,
  ) {
    this.#window = new ReceiveWindow(options.budget)
    this.#buffer = new RetransmitBuffer(options.retransmitBytes)
    this.#buffer.attach(this.#writer(), 0)
    this.#ackEveryBytes = Math.max(1, Math.floor(options.peerRetransmitBytes / 4))
  }

  /** The retransmit buffer, for stats and tests. */
  get buffer(): Pick<RetransmitBuffer, 'heldBytes' | 'inFlightBytes' | 'heldFrames' | 'waitingFrames' | 'lastSeq' | 'limitBytes'> {
    return this.#buffer
  }

  /** The cumulative ack this side sends: every peer frame up to it arrived. */
  get received(): number {
    return this.#window.received
  }

  /**
   * Sends a frame that must survive a drop (port, cancel, cancelled). Throws NetError `usage`,
   * with nothing sent, when it cannot be encoded; resolves once it is written (see
   * {@link RetransmitBuffer}: the backpressure).
   */
  sendSequenced(wire: unknown[], lane: string | undefined): Promise<void> {
    const sent = this.#buffer.push((seq) => this.frames.encodeWire([ENVELOPE_TAG, seq, this.#window.received, ...wire]), lane)
    if (this.#buffer.waitingFrames === 0) this.#ackCarried()
    return sent
  }

  /** Sends a frame that is not retransmitted (ping, pong): it carries the ack. */
  sendUnsequenced(wire: unknown[]): Promise<void> {
    if (this.#stopped !== undefined) return Promise.reject(this.#stopped)
    if (!this.#attached) return Promise.reject(new NetError('closed', 'the session is suspended'))
    const bytes = this.frames.encodeWire([ENVELOPE_TAG, 0, this.#window.received, ...wire])
    this.#ackCarried()
    return this.frames.write(bytes)
  }

  /**
   * Takes the envelope off a decoded frame and applies its ack. Returns undefined when nothing is
   * left to handle: a duplicate, or an ack alone. Throws NetError `protocol` for a bad envelope.
   */
  open(frame: unknown[], byteLength: number): OpenedFrame | undefined {
    const [, seq, ack] = frame
    if (!isCount(seq) || !isCount(ack)) throw peerSent('a frame envelope without a valid sequence number and ack')
    this.#buffer.acknowledge(ack)
    if (seq === 0) return frame.length > 3 ? { wire: frame.slice(3), sequenced: false } : undefined
    if (frame.length <= 3) throw peerSent(`sequenced frame ${seq} with nothing in it`)
    if (!this.#window.accept(seq)) return undefined
    this.#unackedBytes += byteLength
    if (this.#unackedBytes >= this.#ackEveryBytes) this.#scheduleAck()
    return { wire: frame.slice(3), sequenced: true }
  }

  /** The channel went down: sequenced frames are held (and sends wait) until {@link ReliableLink.attach}. */
  detach(): void {
    this.#attached = false
    this.#buffer.detach()
    this.#cancelAck()
  }

  /**
   * Continues over a new channel (`frames.write` now reaches it): retransmits every frame after
   * `peerReceived`. Throws NetError `protocol` for a sequence gap.
   */
  attach(peerReceived: number): void {
    this.#buffer.attach(this.#writer(), peerReceived)
    this.#attached = true
  }

  /** Throws NetError `protocol` (a sequence gap) unless the peer can continue from `peerReceived`. */
  checkResumePoint(peerReceived: number): void {
    this.#buffer.checkResumePoint(peerReceived)
  }

  /** Rejects every held and waiting send with `reason`. */
  stop(reason: NetError): void {
    this.#stopped ??= reason
    this.#buffer.stop(reason)
    this.#cancelAck()
  }

  #writer(): FrameWriter {
    return (bytes, lane) => this.frames.write(bytes, lane)
  }

  #ackCarried(): void {
    this.#unackedBytes = 0
    this.#cancelAck()
  }

  #scheduleAck(): void {
    if (this.#ackLater !== undefined || !this.#attached) return
    this.#ackLater = later(() => {
      this.#ackLater = undefined
      if (this.#unackedBytes >= this.#ackEveryBytes) void this.sendUnsequenced([]).catch(noop)
    }, 0)
  }

  #cancelAck(): void {
    this.#ackLater?.()
    this.#ackLater = undefined
  }
}

function isCount(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0
}
