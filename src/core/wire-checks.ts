import { peerSent, type NetError } from '../base/errors.js'

/**
 * The checks every protocol applies to what its peer sent. On the wire every message (session
 * frames and each operation's messages alike) is a short CBOR array whose first element is the
 * message's tag; each protocol's `*-wire.ts` maps it to and from a TypeScript union on `type`.
 * Every check returns the value with its type narrowed, or throws NetError `protocol` ("peer sent
 * a malformed …", see {@link peerSent}) naming `what`, the message being read (`lock request`).
 */

/** Longest error name or message accepted from (and sent to) the peer, in characters. */
export const MAX_TEXT_LENGTH = 2000

/** Longest operation key accepted, in characters. */
export const MAX_KEY_LENGTH = 256

/** A message of `protocol` as a tagged array: a non-empty array whose first element is its tag. */
export function tagged(raw: unknown, protocol: string): unknown[] {
  if (!Array.isArray(raw) || raw.length === 0) throw peerSent(`a ${protocol} message that is not a tagged array`)
  return raw
}

/** The error for a tag that `protocol` does not know. */
export function unknownTag(message: unknown[], protocol: string): NetError {
  return peerSent(`a ${protocol} message with unknown tag ${String(message[0]).slice(0, 20)}`)
}

/** Checks that `message` has exactly `length` elements, the tag included. */
export function arity(message: unknown[], length: number, what: string): void {
  if (message.length !== length) throw malformed(what)
}

/** An integer in [0, 2^53). */
export function count(value: unknown, what: string): number {
  if (typeof value === 'number' && Number.isSafeInteger(value) && value >= 0) return value
  throw malformed(what)
}

/** An integer in [1, 2^53). */
export function positive(value: unknown, what: string): number {
  if (typeof value === 'number' && Number.isSafeInteger(value) && value >= 1) return value
  throw malformed(what)
}

/** A finite number, in [min, max] when given. */
export function finite(value: unknown, what: string, min = -Number.MAX_VALUE, max = Number.MAX_VALUE): number {
  if (typeof value === 'number' && value >= min && value <= max) return value
  throw malformed(what)
}

/** `true` or `false`. */
export function flag(value: unknown, what: string): boolean {
  if (typeof value === 'boolean') return value
  throw malformed(what)
}

/** A string of at most `max` characters. */
export function text(value: unknown, what: string, max = MAX_TEXT_LENGTH): string {
  if (typeof value === 'string' && value.length <= max) return value
  throw malformed(what)
}

/** A string of any length, cut to `max` characters: a reason shown to the user, never parsed. */
export function clippedText(value: unknown, what: string, max: number): string {
  if (typeof value === 'string') return value.slice(0, max)
  throw malformed(what)
}

/** An operation key: a string of 1 to {@link MAX_KEY_LENGTH} characters. */
export function operationKey(value: unknown, what: string): string {
  if (typeof value === 'string' && value.length > 0 && value.length <= MAX_KEY_LENGTH) return value
  throw malformed(what)
}

/** Bytes, or `null` on the wire for none. */
export function optionalBytes(value: unknown, what: string): Uint8Array | undefined {
  if (value === null) return undefined
  if (value instanceof Uint8Array) return value
  throw peerSent(`a ${what} whose value is not bytes`)
}

/** One of `allowed`. */
export function oneOf<T>(value: unknown, allowed: readonly T[], what: string): T {
  if ((allowed as readonly unknown[]).includes(value)) return value as T
  throw malformed(what)
}

function malformed(what: string): NetError {
  return peerSent(`a malformed ${what}`)
}
