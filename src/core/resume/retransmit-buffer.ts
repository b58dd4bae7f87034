import { NetError, peerSent } from '../../base/errors.js'
import { deferred, type Deferred } from '../../base/deferred.js'
import { noop } from '../../base/noop.js'

/** Hands one frame to the current channel, in its lane. */
export type FrameWriter = (bytes: Uint8Array, lane: string | undefined) => Promise<void>

interface HeldFrame {
  readonly seq: number
  readonly bytes: Uint8Array
  readonly lane: string | undefined
  written: boolean
  readonly done: Deferred<void>
}

/** Compact the array once this many acknowledged entries sit at its head. */
const COMPACT_AFTER = 1024

/**
 * This side's sequenced frames, in sequence order, from the moment they are sent until the
 * peer's cumulative ack covers them: what a resume retransmits. Bounded in bytes: a frame is
 * written to the channel only while the written-but-unacknowledged bytes are below
 * `limitBytes` (so one frame larger than the limit still goes when nothing is in flight), and
 * the promise `push` returns — the send path every operation awaits — resolves only once the
 * frame is written. That is the backpressure.
 */
export class RetransmitBuffer {
  readonly #frames: HeldFrame[] = []
  /** Index of the first frame not acknowledged yet; entries before it are dead. */
  #head = 0
  /** Index of the first frame not written to the current channel. */
  #next = 0
  #nextSeq = 1
  #lastWrittenSeq = 0
  #heldBytes = 0
  #inFlightBytes = 0
  #writer: FrameWriter | undefined
  #stopped: NetError | undefined

  constructor(readonly limitBytes: number) {}

  /** Bytes held: written and not acknowledged, plus waiting to be written. */
  get heldBytes(): number {
    return this.#heldBytes
  }

  /** Bytes written to the channel and not acknowledged yet. */
  get inFlightBytes(): number {
    return this.#inFlightBytes
  }

  /** Frames held (written or waiting). */
  get heldFrames(): number {
    return this.#frames.length - this.#head
  }

  /** Frames waiting for room (or for a channel) to be written. */
  get waitingFrames(): number {
    return this.#frames.length - this.#next
  }

  /** The highest sequence number given out so far (0: none). */
  get lastSeq(): number {
    return this.#nextSeq - 1
  }

  /**
   * Holds the frame `encode(seq)` returns under the next sequence number. Throws what `encode`
   * throws, with no number used. Resolves once the frame is written to a channel; rejects with
   * the reason if the buffer stops first.
   */
  push(encode: (seq: number) => Uint8Array, lane: string | undefined): Promise<void> {
    if (this.#stopped !== undefined) return Promise.reject(this.#stopped)
    const seq = this.#nextSeq
    const bytes = encode(seq)
    this.#nextSeq++
    const frame: HeldFrame = { seq, bytes, lane, written: false, done: deferred() }
    this.#frames.push(frame)
    this.#heldBytes += bytes.length
    this.#pump()
    return frame.done.promise
  }

  /** The peer has every frame up to `ack`; an ack for a frame never written is `protocol`. */
  acknowledge(ack: number): void {
    if (ack > this.#lastWrittenSeq) throw peerSent(`an ack for frame ${ack}; only ${this.#lastWrittenSeq} were sent`)
    while (this.#head < this.#frames.length && this.#frames[this.#head]!.seq <= ack) {
      const frame = this.#frames[this.#head++]!
      this.#heldBytes -= frame.bytes.length
      if (frame.written) this.#inFlightBytes -= frame.bytes.length
      frame.done.resolve()
    }
    if (this.#next < this.#head) this.#next = this.#head
    this.#compact()
    this.#pump()
  }

  /**
   * Frames go to `writer` from now on, starting with every held frame the peer has not got
   * (`peerReceived` is its cumulative ack). Throws NetError `protocol` for a sequence gap: the
   * peer claims frames never sent, or lacks frames already dropped as acknowledged.
   */
  attach(writer: FrameWriter, peerReceived: number): void {
    this.checkResumePoint(peerReceived)
    this.acknowledge(peerReceived)
    for (let i = this.#head; i < this.#frames.length; i++) this.#frames[i]!.written = false
    this.#next = this.#head
    this.#inFlightBytes = 0
    this.#writer = writer
    this.#pump()
  }

  /** Throws NetError `protocol` unless a peer with frames up to `peerReceived` can continue from what is held. */
  checkResumePoint(peerReceived: number): void {
    const oldest = this.#head < this.#frames.length ? this.#frames[this.#head]!.seq : this.#nextSeq
    if (peerReceived > this.#lastWrittenSeq || peerReceived < oldest - 1) {
      throw new NetError('protocol', `sequence gap: the peer has frames up to ${peerReceived}; this side holds ${oldest}..${this.lastSeq}`)
    }
  }

  /** The channel is gone: hold everything until {@link RetransmitBuffer.attach}. */
  detach(): void {
    this.#writer = undefined
  }

  /** Rejects every frame's send with `reason` and drops them. */
  stop(reason: NetError): void {
    if (this.#stopped !== undefined) return
    this.#stopped = reason
    this.#writer = undefined
    for (let i = this.#head; i < this.#frames.length; i++) this.#frames[i]!.done.reject(reason)
    this.#frames.length = 0
    this.#head = this.#next = this.#heldBytes = this.#inFlightBytes = 0
  }

  #pump(): void {
    const writer = this.#writer
    while (writer !== undefined && this.#next < this.#frames.length && this.#inFlightBytes < this.limitBytes) {
      const frame = this.#frames[this.#next++]!
      frame.written = true
      this.#inFlightBytes += frame.bytes.length
      if (frame.seq > this.#lastWrittenSeq) this.#lastWrittenSeq = frame.seq
      // A write that fails means the channel went down: the frame stays held for the retransmit.
      writer(frame.bytes, frame.lane).then(() => frame.done.resolve(), noop)
    }
  }

  #compact(): void {
    if (this.#head < COMPACT_AFTER || this.#head * 2 < this.#frames.length) return
    this.#frames.splice(0, this.#head)
    this.#next -= this.#head
    this.#head = 0
  }
}
