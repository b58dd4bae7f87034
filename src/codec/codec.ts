import { Decoder, Encoder } from 'cbor-x'
import { NetError } from '../base/errors.js'
import { findCborProblem, type CborGuardLimits } from './cbor-guard.js'
import { decodePlain, GIVE_UP } from './plain-cbor-reader.js'
import { encodePlain } from './plain-cbor-writer.js'

/** Encodes and decodes session frames; one instance per session, so no state is shared across peers. */
export interface FrameCodec {
  encode(value: unknown): Uint8Array
  /** Throws NetError `protocol` for anything that is not plain, well-formed CBOR. */
  decode(bytes: Uint8Array): unknown
}

/**
 * Bench-only switch: `globalThis[Symbol.for('netbeam.codec.plain')] = false` sends every frame
 * through cbor-x and the guard, so `npm run bench` can time what the plain path is worth end to
 * end, in alternating blocks over the same sessions.
 */
const PLAIN_SWITCH = Symbol.for('netbeam.codec.plain')

function plainEnabled(): boolean {
  return (globalThis as Record<symbol, unknown>)[PLAIN_SWITCH] !== false
}

/**
 * Plain data (what session frames and most values are) takes a one-pass path of our own; anything
 * else goes through cbor-x, checked by the guard both ways.
 */
export function createFrameCodec(limits: CborGuardLimits): FrameCodec {
  // Records and structured clone are stateful or tag-based extensions; plain CBOR only.
  const options = { useRecords: false, structuredClone: false, mapsAsObjects: true, tagUint8Array: false } as const
  const encoder = new Encoder(options)
  const decoder = new Decoder(options)
  return {
    encode(value) {
      let bytes: Uint8Array
      try {
        // User code (getters, proxies) runs in both: what it throws is a refusal to encode.
        const plain = plainEnabled() ? encodePlain(value, limits) : undefined
        if (plain !== undefined) return plain
        bytes = encoder.encode(value)
      } catch (err) {
        throw new NetError('usage', 'value cannot be encoded', { cause: err })
      }
      // Checked here too, so an unsupported value fails at the sender with a clear error instead
      // of closing the session when the peer refuses it.
      const problem = findCborProblem(bytes, limits)
      if (problem !== undefined) throw new NetError('usage', `value cannot be sent: ${problem}`)
      return bytes
    },
    decode(bytes) {
      const plain = plainEnabled() ? decodePlain(bytes, limits) : GIVE_UP
      if (plain !== GIVE_UP) return plain
      const problem = findCborProblem(bytes, limits)
      if (problem !== undefined) throw new NetError('protocol', `peer sent a malformed frame: ${problem}`)
      try {
        return decoder.decode(bytes)
      } catch (err) {
        throw new NetError('protocol', 'peer sent an undecodable frame', { cause: err })
      }
    },
  }
}
