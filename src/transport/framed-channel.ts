import { NetError } from '../base/errors.js'
import { deferred, type Deferred } from '../base/deferred.js'
import { nextMacrotask } from '../base/macrotask.js'
import {
  type ChunkBuffer,
  encodeFirst,
  encodeNext,
  encodeWhole,
  FIRST_HEADER_BYTES,
  NEXT_HEADER_BYTES,
  Reassembler,
  WHOLE_HEADER_BYTES,
} from './chunk-codec.js'
import {
  resolveFrameChannelOptions,
  type FrameChannel,
  type FrameChannelOptions,
} from './frame-channel.js'
import type { RawTransport, RawTransportFactory } from './raw-transport.js'

interface Outgoing {
  readonly frame: Uint8Array
  readonly id: number
  readonly lane: string | undefined
  offset: number
  readonly done: Deferred<void>
}

/** Frames that arrive before the receiver is set are held, up to this many. */
const MAX_EARLY_FRAMES = 4096

/**
 * Builds a {@link FrameChannel} over a raw transport: splits large frames into chunks, sends the
 * chunks of all pending frames round-robin (so a small frame waits for at most one chunk of each
 * large one), and waits for the transport's buffer to drain above the high-water mark. Frames of
 * one lane keep their order: a lane's next frame joins the round-robin once its previous frame is
 * on the wire.
 */
export function createFrameChannel(
  openTransport: RawTransportFactory,
  options: FrameChannelOptions = {},
): FrameChannel {
  const opts = resolveFrameChannelOptions(options)
  const reassembler = new Reassembler(opts.maxFrameBytes)
  const queue: Outgoing[] = []
  /** Lanes with a frame in the round-robin, and the frames waiting behind it. */
  const lanes = new Map<string, Outgoing[]>()
  const closed = deferred<NetError>()
  let closeReason: NetError | undefined
  let receiver: ((frame: Uint8Array) => void) | undefined
  let early: Uint8Array[] = []
  let nextId = 0
  let queuedBytes = 0
  let pumping = false
  // Bytes sent since the last await: some transports (@roamhq/wrtc) update bufferedAmount late.
  let burst = 0
  // The transport's bufferedAmount when last read, and bytes sent since: reading it can cost
  // ~50 µs (@roamhq/wrtc asks its network thread), so it is read only near the high-water mark.
  let known = 0
  let sinceRead = 0

  let scratch: Uint8Array | undefined
  /** Where chunks are encoded: one reused buffer when the transport copies on send. */
  let chunkBuffer: ChunkBuffer | undefined

  const transport: RawTransport = openTransport({
    message(data) {
      if (closeReason !== undefined) return
      let frame: Uint8Array | undefined
      try {
        frame = reassembler.push(data)
      } catch (err) {
        finish(err instanceof NetError ? err : new NetError('protocol', 'bad chunk', { cause: err }))
        return
      }
      if (frame === undefined) return
      if (receiver !== undefined) receiver(frame)
      else if (early.length < MAX_EARLY_FRAMES) early.push(frame)
      else finish(new NetError('protocol', `more than ${MAX_EARLY_FRAMES} frames arrived before anyone read them`))
    },
    closed(reason) {
      finish(reason)
    },
  })

  if (transport.copiesOnSend === true) {
    // Allocating every chunk afresh (about once per byte sent) is what drives the garbage
    // collector during bulk transfers.
    chunkBuffer = (size) => (scratch ??= new Uint8Array(opts.chunkBytes)).subarray(0, size)
  }

  function finish(reason: NetError): void {
    if (closeReason !== undefined) return
    closeReason = reason
    for (const item of queue.splice(0)) item.done.reject(reason)
    for (const waiting of lanes.values()) for (const item of waiting) item.done.reject(reason)
    lanes.clear()
    queuedBytes = 0
    early = []
    try {
      transport.close()
    } catch {
      // The transport is going away either way; its close error adds nothing.
    }
    closed.resolve(reason)
  }

  function fitsWhole(frame: Uint8Array): boolean {
    return frame.length + WHOLE_HEADER_BYTES <= opts.chunkBytes
  }

  function put(chunk: Uint8Array): void {
    transport.send(chunk)
    burst += chunk.length
    sinceRead += chunk.length
  }

  function sendChunkOf(item: Outgoing): void {
    const { frame } = item
    let chunk: Uint8Array
    if (item.offset === 0 && fitsWhole(frame)) {
      chunk = encodeWhole(frame, chunkBuffer)
      item.offset = frame.length
    } else if (item.offset === 0) {
      const end = opts.chunkBytes - FIRST_HEADER_BYTES
      chunk = encodeFirst(item.id, frame, end, chunkBuffer)
      item.offset = end
    } else {
      const end = Math.min(frame.length, item.offset + opts.chunkBytes - NEXT_HEADER_BYTES)
      chunk = encodeNext(item.id, frame, item.offset, end, chunkBuffer)
      item.offset = end
    }
    put(chunk)
  }

  function full(): boolean {
    if (known + sinceRead < opts.highWaterBytes && burst < opts.highWaterBytes) return false
    readBuffered()
    // A transport that counts a chunk as soon as it is sent (browsers, node-datachannel) is
    // trusted up to the mark; one that reports late (@roamhq/wrtc reports 0 throughout) is held to
    // the mark per burst, between which the pump yields a task.
    return known >= opts.highWaterBytes || burst >= opts.highWaterBytes
  }

  function readBuffered(): void {
    known = transport.bufferedAmount
    sinceRead = 0
  }

  /** A frame is on the wire: the next frame of its lane may start. */
  function finished(item: Outgoing): void {
    item.done.resolve()
    if (item.lane === undefined) return
    const next = lanes.get(item.lane)?.shift()
    if (next === undefined) lanes.delete(item.lane)
    else queue.push(next)
  }

  async function pump(): Promise<void> {
    if (pumping) return
    pumping = true
    try {
      while (queue.length > 0 && closeReason === undefined) {
        if (full()) {
          // A buffer that already looks drained may only be lagging behind this burst: let the
          // transport catch up for one task instead of trusting it and sending on.
          if (known <= opts.lowWaterBytes) await nextMacrotask()
          else await transport.waitForDrain(opts.lowWaterBytes)
          burst = 0
          readBuffered()
          continue
        }
        // The frame stays queued while its chunk is sent: if the transport throws or closes
        // during the send, finish() finds it there and rejects it.
        const item = queue[0]!
        const before = item.offset
        sendChunkOf(item)
        if (closeReason !== undefined) break
        queue.shift()
        queuedBytes -= item.offset - before
        if (item.offset < item.frame.length) queue.push(item)
        else finished(item)
      }
    } catch (err) {
      finish(new NetError('closed', 'the transport failed to send', { cause: err }))
    } finally {
      pumping = false
      burst = 0
    }
  }

  return {
    send(frame, lane) {
      if (closeReason !== undefined) return Promise.reject(closeReason)
      // Fast path: nothing queued and room in the buffer, so the frame goes out now (and nothing
      // is allocated for it: this runs for nearly every frame).
      if (queue.length === 0 && !pumping && fitsWhole(frame) && !full()) {
        try {
          put(encodeWhole(frame, chunkBuffer))
        } catch (err) {
          finish(new NetError('closed', 'the transport failed to send', { cause: err }))
        }
        // The transport may also have closed itself while sending, instead of throwing.
        return closeReason === undefined ? Promise.resolve() : Promise.reject(closeReason)
      }
      const item: Outgoing = { frame, id: nextId, lane, offset: 0, done: deferred<void>() }
      nextId = (nextId + 1) >>> 0
      queuedBytes += frame.length
      const waiting = lane === undefined ? undefined : lanes.get(lane)
      if (waiting !== undefined) waiting.push(item)
      else {
        if (lane !== undefined) lanes.set(lane, [])
        queue.push(item)
      }
      void pump()
      return item.done.promise
    },
    onFrame(next) {
      receiver = next
      const held = early
      early = []
      for (const frame of held) {
        if (closeReason !== undefined) return
        next(frame)
      }
    },
    closed: closed.promise,
    get isClosed() {
      return closeReason !== undefined
    },
    get bufferedAmount() {
      return queuedBytes + (closeReason === undefined ? transport.bufferedAmount : 0)
    },
    close(reason = new NetError('closed', 'the channel was closed locally')) {
      finish(reason)
    },
  }
}
