import { NetError, type NetErrorCode, NET_ERROR_CODES } from '../base/errors.js'
import { unreachable } from '../base/unreachable.js'

/** The version of the session protocol; peers must speak the same one. */
/** 2: the `cancel` / `cancelled` frames (agreement when an operation is aborted after its result went out). */
export const PROTOCOL_VERSION = 2

/** Role preference carried in `hello`. */
export type RolePreference = 'leader' | 'follower' | null

/**
 * Every session-level frame. On the wire each is a CBOR array whose first element is the tag
 * below; port messages carry the primitive's own message union as `message`.
 */
export type SessionFrame =
  | { type: 'hello'; version: number; nonce: number; round: number; role: RolePreference; maxFrameBytes: number }
  | { type: 'ping'; id: number; t0: number }
  | { type: 'pong'; id: number; t0: number; t1: number; t2: number }
  | { type: 'bye'; code: NetErrorCode; reason: string }
  /** A message on an operation's port; `kind` is set on the first message a side sends on it. */
  | { type: 'port'; key: string; kind: string | undefined; message: unknown }
  /**
   * The sender gave up on the one-shot operation `key` after its own result went out, and waits
   * for the peer's verdict: the peer's result if it had already settled, otherwise its `abort`.
   */
  | { type: 'cancel'; key: string }
  /**
   * The answer to a `cancel` for an operation the sender had not opened yet: it never will run
   * it (its call will reject with `aborted`), so the canceller settles as aborted.
   */
  | { type: 'cancelled'; key: string }

const TAG = { hello: 0, ping: 1, pong: 2, bye: 3, port: 4, portFirst: 5, cancel: 6, cancelled: 7 } as const

export function encodeSessionFrame(frame: SessionFrame): unknown[] {
  switch (frame.type) {
    case 'hello':
      return [TAG.hello, frame.version, frame.nonce, frame.round, frame.role, frame.maxFrameBytes]
    case 'ping':
      return [TAG.ping, frame.id, frame.t0]
    case 'pong':
      return [TAG.pong, frame.id, frame.t0, frame.t1, frame.t2]
    case 'bye':
      return [TAG.bye, frame.code, frame.reason]
    case 'port':
      return encodePortFrame(frame.key, frame.kind, frame.message)
    case 'cancel':
      return [TAG.cancel, frame.key]
    case 'cancelled':
      return [TAG.cancelled, frame.key]
    default:
      return unreachable(frame)
  }
}

/** A `port` frame's wire form, built without the frame object (every operation sends these). */
export function encodePortFrame(key: string, kind: string | undefined, message: unknown): unknown[] {
  return kind === undefined ? [TAG.port, key, message] : [TAG.portFirst, key, kind, message]
}

/** Validates a decoded frame; throws NetError `protocol` for anything else. */
export function parseSessionFrame(value: unknown): SessionFrame {
  if (!Array.isArray(value) || value.length < 1) throw bad('a frame that is not a tagged array')
  const [tag] = value as unknown[]
  switch (tag) {
    case TAG.hello: {
      const [, version, nonce, round, role, maxFrameBytes] = value as unknown[]
      if (!isCount(version) || !isFiniteNumber(nonce) || !isCount(round) || !isCount(maxFrameBytes) || maxFrameBytes < MIN_FRAME_LIMIT) {
        throw bad('a malformed hello')
      }
      if (role !== null && role !== 'leader' && role !== 'follower') throw bad('a hello with an unknown role')
      return { type: 'hello', version, nonce, round, role, maxFrameBytes }
    }
    case TAG.ping: {
      const [, id, t0] = value as unknown[]
      if (!isCount(id) || !isFiniteNumber(t0)) throw bad('a malformed ping')
      return { type: 'ping', id, t0 }
    }
    case TAG.pong: {
      const [, id, t0, t1, t2] = value as unknown[]
      if (!isCount(id) || !isFiniteNumber(t0) || !isFiniteNumber(t1) || !isFiniteNumber(t2)) {
        throw bad('a malformed pong')
      }
      return { type: 'pong', id, t0, t1, t2 }
    }
    case TAG.bye: {
      const [, code, reason] = value as unknown[]
      if (!(NET_ERROR_CODES as readonly unknown[]).includes(code) || typeof reason !== 'string') {
        throw bad('a malformed bye')
      }
      return { type: 'bye', code: code as NetErrorCode, reason: reason.slice(0, 500) }
    }
    case TAG.port: {
      if (value.length !== 3 || !isKey(value[1])) throw bad('a malformed port message')
      return { type: 'port', key: value[1], kind: undefined, message: value[2] }
    }
    case TAG.portFirst: {
      if (value.length !== 4 || !isKey(value[1]) || !isKey(value[2])) throw bad('a malformed port message')
      return { type: 'port', key: value[1], kind: value[2], message: value[3] }
    }
    case TAG.cancel:
    case TAG.cancelled: {
      if (value.length !== 2 || !isKey(value[1])) throw bad('a malformed cancel')
      return { type: tag === TAG.cancel ? 'cancel' : 'cancelled', key: value[1] }
    }
    default:
      throw bad(`a frame with unknown tag ${String(tag).slice(0, 20)}`)
  }
}

/** The smallest frame limit a peer may announce; below it no operation could work. */
const MIN_FRAME_LIMIT = 1024

/** Longest operation key accepted, in characters. */
export const MAX_KEY_LENGTH = 256

function isKey(value: unknown): value is string {
  return typeof value === 'string' && value.length > 0 && value.length <= MAX_KEY_LENGTH
}

function isCount(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0
}

function isFiniteNumber(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value)
}

function bad(what: string): NetError {
  return new NetError('protocol', `peer sent ${what}`)
}
