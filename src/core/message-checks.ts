import { NetError } from '../base/errors.js'

/** Longest error name or message accepted from (and sent to) the peer, in characters. */
export const MAX_TEXT_LENGTH = 2000

/** The value as a plain decoded CBOR map; throws NetError `protocol` otherwise. */
export function plainRecord(raw: unknown, what: string): Record<string, unknown> {
  if (typeof raw !== 'object' || raw === null || Object.getPrototypeOf(raw) !== Object.prototype) throw malformed(what)
  return raw as Record<string, unknown>
}

/** A bounded string from the peer; throws NetError `protocol` otherwise. */
export function boundedText(value: unknown, what: string): string {
  if (typeof value !== 'string' || value.length > MAX_TEXT_LENGTH) throw malformed(what)
  return value
}

/** The error for a peer message that is not part of `what`'s protocol. */
export function malformed(what: string): NetError {
  return new NetError('protocol', `peer sent a malformed ${what} message`)
}
