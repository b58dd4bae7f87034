import { Decoder, Encoder } from 'cbor-x'
import { NetError } from '../base/errors.js'
import { findCborProblem, lastItemCount, type CborGuardLimits } from './cbor-guard.js'

/** Encodes and decodes session frames; one instance per session, so no state is shared across peers. */
export interface FrameCodec {
  /**
   * The value as CBOR; throws NetError `usage` for a value that cannot be sent. The bytes may be a
   * view into a buffer the encoder writes later frames after (never over).
   */
  encode(value: unknown): Uint8Array
  /** Throws NetError `protocol` for anything that is not plain, well-formed CBOR. */
  decode(bytes: Uint8Array): unknown
  /** The number of data items in the frame last decoded (or refused). */
  readonly lastItems: number
}

/**
 * True while a value is being encoded. cbor-x keeps its writer's state in module variables that
 * every Encoder shares, so an encode started from user code inside another (a getter or proxy in
 * the value that sends a message) would corrupt the outer frame: it is refused instead.
 */
let encoding = false

/**
 * Frames up to this size are decoded from a copy in one reused buffer. cbor-x caches a DataView on
 * the array it reads, as a new property of that array, and building the view moves a small
 * array's bytes off the JS heap: on a fresh frame that costs more than decoding it (~0.5 µs
 * against ~0.15 µs, 3 frames per mutex hand-off; test/bench/handoff-cpu.mjs). Copying a small
 * frame costs a few ns. Larger frames are read where they are, their byte strings as views.
 */
const REUSED_BYTES = 16 * 1024
/** Shared by every codec: decoding is synchronous and never runs code that decodes again. */
const reused = new Uint8Array(REUSED_BYTES)

/** cbor-x, checked by the guard both ways. */
/** `beforeDecode` is told each incoming frame's item count once it passed the guard; it may throw to refuse it. */
export function createFrameCodec(limits: CborGuardLimits, beforeDecode?: (items: number) => void): FrameCodec {
  // Records and structured clone are stateful or tag-based extensions; plain CBOR only.
  const options = { useRecords: false, structuredClone: false, mapsAsObjects: true, tagUint8Array: false } as const
  const encoder = new Encoder(options)
  const decoder = new Decoder(options)
  // Byte strings read from the reused buffer must be copies: it holds the next frame soon.
  const copyingDecoder = new Decoder({ ...options, copyBuffers: true })
  // cbor-x reads its source up to `end` when given one; its typings leave the parameter out.
  const decodeReused = copyingDecoder.decode.bind(copyingDecoder) as (source: Uint8Array, end: number) => unknown
  let lastItems = 0
  return {
    get lastItems() {
      return lastItems
    },
    encode(value) {
      if (encoding) throw new NetError('usage', 'a value cannot be sent from a getter or proxy of a value being sent')
      let bytes: Uint8Array
      encoding = true
      try {
        // User code (getters, proxies) runs here: what it throws is a refusal to encode.
        bytes = encoder.encode(value)
      } catch (err) {
        throw new NetError('usage', 'value cannot be encoded', { cause: err })
      } finally {
        encoding = false
      }
      // Checked here too, so an unsupported value fails at the sender with a clear error instead
      // of closing the session when the peer refuses it.
      const problem = findCborProblem(bytes, limits)
      if (problem !== undefined) throw new NetError('usage', `value cannot be sent: ${problem}`)
      return bytes
    },
    decode(bytes) {
      const problem = findCborProblem(bytes, limits)
      lastItems = lastItemCount()
      if (problem !== undefined) throw new NetError('protocol', `peer sent a malformed frame: ${problem}`)
      beforeDecode?.(lastItems)
      try {
        if (bytes.length > REUSED_BYTES) return decoder.decode(bytes)
        reused.set(bytes)
        return decodeReused(reused, bytes.length)
      } catch (err) {
        throw new NetError('protocol', 'peer sent an undecodable frame', { cause: err })
      }
    },
  }
}
