import { peerSent, type NetError } from '../base/errors.js'

/**
 * Chunk wire format, one transport message each:
 * - `[0][frame]`                            a whole frame
 * - `[1][id u32][total u32][first bytes]`   the first chunk of a frame of `total` bytes
 * - `[2][id u32][more bytes]`               a later chunk; the frame ends when `total` bytes arrived
 * Chunks of different frames interleave; chunks of one frame arrive in order.
 */
const WHOLE = 0
const FIRST = 1
const NEXT = 2
export const FIRST_HEADER_BYTES = 9
export const NEXT_HEADER_BYTES = 5
export const WHOLE_HEADER_BYTES = 1

/** Where an encoder writes a chunk of `size` bytes: a fresh array, or a reused scratch buffer. */
export type ChunkBuffer = (size: number) => Uint8Array

const fresh: ChunkBuffer = (size) => new Uint8Array(size)

export function encodeWhole(frame: Uint8Array, buffer: ChunkBuffer = fresh): Uint8Array {
  const out = buffer(frame.length + WHOLE_HEADER_BYTES)
  out[0] = WHOLE
  out.set(frame, WHOLE_HEADER_BYTES)
  return out
}

export function encodeFirst(id: number, frame: Uint8Array, end: number, buffer: ChunkBuffer = fresh): Uint8Array {
  const out = buffer(FIRST_HEADER_BYTES + end)
  const view = new DataView(out.buffer, out.byteOffset, out.byteLength)
  out[0] = FIRST
  view.setUint32(1, id)
  view.setUint32(5, frame.length)
  out.set(frame.subarray(0, end), FIRST_HEADER_BYTES)
  return out
}

export function encodeNext(id: number, frame: Uint8Array, start: number, end: number, buffer: ChunkBuffer = fresh): Uint8Array {
  const out = buffer(NEXT_HEADER_BYTES + end - start)
  new DataView(out.buffer, out.byteOffset, out.byteLength).setUint32(1, id)
  out[0] = NEXT
  out.set(frame.subarray(start, end), NEXT_HEADER_BYTES)
  return out
}

/**
 * A frame being reassembled. Its chunks are kept as received and joined once complete, so memory
 * follows the bytes that actually arrived, not the total a first chunk claims: a peer cannot make
 * us reserve 256 × maxFrameBytes with 256 small first chunks.
 */
interface Partial {
  readonly total: number
  readonly parts: Uint8Array[]
  filled: number
}

/** Reassembles frames from chunks; throws NetError `protocol` on anything malformed. */
export class Reassembler {
  private readonly partials = new Map<number, Partial>()

  constructor(
    private readonly maxFrameBytes: number,
    private readonly maxPartialFrames = 256,
  ) {}

  /** Drops every unfinished frame (the channel closed). */
  clear(): void {
    this.partials.clear()
  }

  /** Returns the completed frame, or undefined while a frame is still incomplete. */
  push(chunk: Uint8Array): Uint8Array | undefined {
    if (chunk.length < 1) throw peerSent('an empty chunk')
    switch (chunk[0]) {
      case WHOLE:
        if (chunk.length - 1 > this.maxFrameBytes) throw oversize(chunk.length - 1, this.maxFrameBytes)
        return chunk.subarray(WHOLE_HEADER_BYTES)
      case FIRST: {
        if (chunk.length < FIRST_HEADER_BYTES) throw peerSent('a truncated first chunk')
        const id = readUint32(chunk, 1)
        const total = readUint32(chunk, 5)
        const data = chunk.subarray(FIRST_HEADER_BYTES)
        if (total > this.maxFrameBytes) throw oversize(total, this.maxFrameBytes)
        if (data.length >= total) throw peerSent('a chunked frame that fits in one chunk')
        if (this.partials.has(id)) throw peerSent(`frame id ${id} started twice`)
        if (this.partials.size >= this.maxPartialFrames) throw peerSent('too many frames in flight')
        this.partials.set(id, { total, parts: [data], filled: data.length })
        return undefined
      }
      case NEXT: {
        if (chunk.length < NEXT_HEADER_BYTES) throw peerSent('a truncated chunk')
        const id = readUint32(chunk, 1)
        const partial = this.partials.get(id)
        if (partial === undefined) throw peerSent(`a chunk for unknown frame id ${id}`)
        const data = chunk.subarray(NEXT_HEADER_BYTES)
        if (partial.filled + data.length > partial.total) throw peerSent('a chunk past its frame end')
        partial.parts.push(data)
        partial.filled += data.length
        if (partial.filled < partial.total) return undefined
        this.partials.delete(id)
        return joined(partial)
      }
      default:
        throw peerSent(`unknown chunk kind ${String(chunk[0])}`)
    }
  }
}

function joined({ total, parts }: Partial): Uint8Array {
  const bytes = new Uint8Array(total)
  let at = 0
  for (const part of parts) {
    bytes.set(part, at)
    at += part.length
  }
  return bytes
}

/** A big-endian u32, read without a DataView (a whole chunk, the common case, needs none). */
function readUint32(bytes: Uint8Array, at: number): number {
  return ((bytes[at]! << 24) | (bytes[at + 1]! << 16) | (bytes[at + 2]! << 8) | bytes[at + 3]!) >>> 0
}

function oversize(size: number, max: number): NetError {
  return peerSent(`a ${size}-byte frame; the limit is ${max} bytes`)
}
