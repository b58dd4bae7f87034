import { NetError } from '../base/errors.js'
import { deferred, type Deferred } from '../base/deferred.js'
import { nextMacrotask } from '../base/macrotask.js'
import { type ChunkBuffer, encodeFirst, encodeNext, encodeWhole, FIRST_HEADER_BYTES, NEXT_HEADER_BYTES, WHOLE_HEADER_BYTES } from './chunk-codec.js'
import type { ResolvedFrameChannelOptions } from './frame-channel.js'
import type { RawTransport } from './raw-transport.js'

interface Outgoing {
  readonly frame: Uint8Array
  readonly id: number
  readonly lane: string | undefined
  offset: number
  readonly done: Deferred<void>
}

/**
 * The sending half of a frame channel: splits large frames into chunks, sends the chunks of all
 * pending frames round-robin (so a small frame waits for at most one chunk of each large one), and
 * waits for the transport's buffer to drain above the high-water mark. Frames of one lane keep
 * their order: a lane's next frame joins the round-robin once its previous frame is on the wire.
 */
export class FrameSender {
  readonly #queue: Outgoing[] = []
  /** Lanes with a frame in the round-robin, and the frames waiting behind it. */
  readonly #lanes = new Map<string, Outgoing[]>()
  #stopped: NetError | undefined
  #nextId = 0
  #queuedBytes = 0
  #pumping = false
  /** Bytes sent since the last await: some transports (@roamhq/wrtc) update bufferedAmount late. */
  #burst = 0
  /**
   * The transport's bufferedAmount when last read, and bytes sent since: reading it can cost
   * ~50 µs (@roamhq/wrtc asks its network thread), so it is read only near the high-water mark.
   */
  #known = 0
  #sinceRead = 0
  /** Where chunks are encoded: one reused buffer when the transport copies on send. */
  readonly #chunkBuffer: ChunkBuffer | undefined

  /** `fail` is called (once is enough) when the transport throws on send. */
  constructor(
    private readonly transport: RawTransport,
    private readonly opts: ResolvedFrameChannelOptions,
    private readonly fail: (reason: NetError) => void,
  ) {
    if (transport.copiesOnSend === true) {
      // Allocating every chunk afresh (about once per byte sent) is what drives the garbage
      // collector during bulk transfers. It grows to what the frames need: a whole chunk
      // (256 KiB by default) costs ~0.5 ms to allocate, paid on the first send of every new
      // channel (a session's hello, a resume's first frame) that only small frames would not need.
      let scratch = new Uint8Array(0)
      this.#chunkBuffer = (size) => {
        if (size > scratch.length) scratch = new Uint8Array(Math.min(opts.chunkBytes, Math.max(size, 2 * scratch.length, 1024)))
        return scratch.subarray(0, size)
      }
    }
  }

  /** Bytes of frames accepted but not yet handed to the transport. */
  get queuedBytes(): number {
    return this.#queuedBytes
  }

  /** Resolves once `frame` is on the wire; rejects with the reason if the channel stops first. */
  send(frame: Uint8Array, lane: string | undefined): Promise<void> {
    if (this.#stopped !== undefined) return Promise.reject(this.#stopped)
    // Fast path: nothing queued and room in the buffer, so the frame goes out now (and nothing
    // is allocated for it: this runs for nearly every frame).
    if (this.#queue.length === 0 && !this.#pumping && this.#fitsWhole(frame) && !this.#full()) {
      try {
        this.#put(encodeWhole(frame, this.#chunkBuffer))
      } catch (err) {
        this.fail(new NetError('closed', 'the transport failed to send', { cause: err }))
      }
      // The transport may also have closed itself while sending, instead of throwing.
      return this.#stopped === undefined ? Promise.resolve() : Promise.reject(this.#stopped)
    }
    return this.#enqueue(frame, lane)
  }

  /** Rejects every frame not yet sent with `reason`; later sends reject with it too. */
  stop(reason: NetError): void {
    if (this.#stopped !== undefined) return
    this.#stopped = reason
    for (const item of this.#queue.splice(0)) item.done.reject(reason)
    for (const waiting of this.#lanes.values()) for (const item of waiting) item.done.reject(reason)
    this.#lanes.clear()
    this.#queuedBytes = 0
  }

  #enqueue(frame: Uint8Array, lane: string | undefined): Promise<void> {
    const item: Outgoing = { frame, id: this.#nextId, lane, offset: 0, done: deferred<void>() }
    this.#nextId = (this.#nextId + 1) >>> 0
    this.#queuedBytes += frame.length
    const waiting = lane === undefined ? undefined : this.#lanes.get(lane)
    if (waiting !== undefined) waiting.push(item)
    else {
      if (lane !== undefined) this.#lanes.set(lane, [])
      this.#queue.push(item)
    }
    void this.#pump()
    return item.done.promise
  }

  async #pump(): Promise<void> {
    if (this.#pumping) return
    this.#pumping = true
    try {
      while (this.#queue.length > 0 && this.#stopped === undefined) {
        if (this.#full()) {
          await this.#waitForRoom()
          continue
        }
        // The frame stays queued while its chunk is sent: if the transport throws or closes
        // during the send, stop() finds it there and rejects it.
        const item = this.#queue[0]!
        const before = item.offset
        this.#sendChunkOf(item)
        if (this.#stopped !== undefined) break
        this.#queue.shift()
        this.#queuedBytes -= item.offset - before
        if (item.offset < item.frame.length) this.#queue.push(item)
        else this.#finished(item)
      }
    } catch (err) {
      this.fail(new NetError('closed', 'the transport failed to send', { cause: err }))
    } finally {
      this.#pumping = false
      this.#burst = 0
    }
  }

  async #waitForRoom(): Promise<void> {
    // A buffer that already looks drained may only be lagging behind this burst: let the
    // transport catch up for one task instead of trusting it and sending on.
    if (this.#known <= this.opts.lowWaterBytes) await nextMacrotask()
    else await this.transport.waitForDrain(this.opts.lowWaterBytes)
    this.#burst = 0
    this.#readBuffered()
  }

  #sendChunkOf(item: Outgoing): void {
    const { frame } = item
    const { chunkBytes } = this.opts
    let chunk: Uint8Array
    if (item.offset === 0 && this.#fitsWhole(frame)) {
      chunk = encodeWhole(frame, this.#chunkBuffer)
      item.offset = frame.length
    } else if (item.offset === 0) {
      const end = chunkBytes - FIRST_HEADER_BYTES
      chunk = encodeFirst(item.id, frame, end, this.#chunkBuffer)
      item.offset = end
    } else {
      const end = Math.min(frame.length, item.offset + chunkBytes - NEXT_HEADER_BYTES)
      chunk = encodeNext(item.id, frame, item.offset, end, this.#chunkBuffer)
      item.offset = end
    }
    this.#put(chunk)
  }

  /** A frame is on the wire: the next frame of its lane may start. */
  #finished(item: Outgoing): void {
    item.done.resolve()
    if (item.lane === undefined) return
    const next = this.#lanes.get(item.lane)?.shift()
    if (next === undefined) this.#lanes.delete(item.lane)
    else this.#queue.push(next)
  }

  #fitsWhole(frame: Uint8Array): boolean {
    return frame.length + WHOLE_HEADER_BYTES <= this.opts.chunkBytes
  }

  #put(chunk: Uint8Array): void {
    this.transport.send(chunk)
    this.#burst += chunk.length
    this.#sinceRead += chunk.length
  }

  #full(): boolean {
    const { highWaterBytes } = this.opts
    if (this.#known + this.#sinceRead < highWaterBytes && this.#burst < highWaterBytes) return false
    this.#readBuffered()
    // A transport that counts a chunk as soon as it is sent (browsers, node-datachannel) is
    // trusted up to the mark; one that reports late (@roamhq/wrtc reports 0 throughout) is held to
    // the mark per burst, between which the pump yields a task.
    return this.#known >= highWaterBytes || this.#burst >= highWaterBytes
  }

  #readBuffered(): void {
    this.#known = this.transport.bufferedAmount
    this.#sinceRead = 0
  }
}
