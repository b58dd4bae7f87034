import { peerSent, type NetErrorCode, NET_ERROR_CODES } from '../base/errors.js'
import { unreachable } from '../base/unreachable.js'
import { encodeResumeHello, parseResumeHello, type ResumeHello } from './resume/resume-options.js'
import { arity, clippedText, count, finite, oneOf, operationKey, tagged, unknownTag } from './wire-checks.js'
import { checkRoutingKey, checkScopePath } from './scope/scope-path.js'

/**
 * The version of the session protocol; peers must speak the same one.
 * 2: the `cancel` / `cancelled` frames (agreement when an operation is aborted after its result went out).
 * 3: every operation's messages are tagged arrays, like the session frames (join, select, exchange
 * and syncStart sent `{ type }` maps).
 * 4: scopes: keys may name a scope path (docs/scopes-design.md), and the `scopeEnd` frame.
 */
export const PROTOCOL_VERSION = 4

/** Role preference carried in `hello`. */
export type RolePreference = 'leader' | 'follower' | null

/**
 * Every session-level frame. On the wire each is a CBOR array whose first element is the tag
 * below (see wire-checks.ts); port messages carry the operation's own message, its tagged array.
 */
export type SessionFrame =
  /** `resume` is there only when the side asked for resume (docs/resume-design.md): without it the hello is unchanged. */
  | { type: 'hello'; version: number; nonce: number; round: number; role: RolePreference; maxFrameBytes: number; resume?: ResumeHello }
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
  /**
   * The sender is done with the scope at `path` (its names joined with U+0000): nothing more of
   * its own comes for it (`fin`, from `close()`), or it gave up on it (`reset`, with `reason`).
   * Each side sends one per use of a scope, after its last frame in it (docs/scopes-design.md).
   */
  | { type: 'scopeEnd'; path: string; how: 'fin' | 'reset'; reason: string }

const TAG = { hello: 0, ping: 1, pong: 2, bye: 3, port: 4, portFirst: 5, cancel: 6, cancelled: 7, scopeFin: 8, scopeReset: 9 } as const

export function encodeSessionFrame(frame: SessionFrame): unknown[] {
  switch (frame.type) {
    case 'hello':
      return frame.resume === undefined ? [TAG.hello, frame.version, frame.nonce, frame.round, frame.role, frame.maxFrameBytes]
        : [TAG.hello, frame.version, frame.nonce, frame.round, frame.role, frame.maxFrameBytes, encodeResumeHello(frame.resume)]
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
    case 'scopeEnd':
      return frame.how === 'fin' ? [TAG.scopeFin, frame.path] : [TAG.scopeReset, frame.path, frame.reason]
    default:
      return unreachable(frame)
  }
}

/** A `port` frame's wire form, built without the frame object (every operation sends these). */
export function encodePortFrame(key: string, kind: string | undefined, message: unknown): unknown[] {
  return kind === undefined ? [TAG.port, key, message] : [TAG.portFirst, key, kind, message]
}

/** Validates a decoded frame; throws NetError `protocol` for anything else. */
export function parseSessionFrame(raw: unknown): SessionFrame {
  const f = tagged(raw, 'session')
  switch (f[0]) {
    case TAG.hello:
      return parseHello(f)
    case TAG.ping:
      arity(f, 3, 'ping')
      return { type: 'ping', id: count(f[1], 'ping'), t0: stamp(f[2], 'ping') }
    case TAG.pong:
      arity(f, 5, 'pong')
      return { type: 'pong', id: count(f[1], 'pong'), t0: stamp(f[2], 'pong'), t1: stamp(f[3], 'pong'), t2: stamp(f[4], 'pong') }
    case TAG.bye:
      arity(f, 3, 'bye')
      return { type: 'bye', code: oneOf(f[1], NET_ERROR_CODES, 'bye'), reason: clippedText(f[2], 'bye', MAX_BYE_REASON) }
    case TAG.port:
      arity(f, 3, 'port message')
      return { type: 'port', key: checkRoutingKey(f[1], 'port message'), kind: undefined, message: f[2] }
    case TAG.portFirst:
      arity(f, 4, 'port message')
      return { type: 'port', key: checkRoutingKey(f[1], 'port message'), kind: operationKey(f[2], 'port message'), message: f[3] }
    case TAG.cancel:
    case TAG.cancelled:
      arity(f, 2, 'cancel')
      return { type: f[0] === TAG.cancel ? 'cancel' : 'cancelled', key: checkRoutingKey(f[1], 'cancel') }
    case TAG.scopeFin:
      arity(f, 2, 'scope end')
      return { type: 'scopeEnd', path: checkScopePath(f[1], 'scope end'), how: 'fin', reason: '' }
    case TAG.scopeReset:
      arity(f, 3, 'scope end')
      return { type: 'scopeEnd', path: checkScopePath(f[1], 'scope end'), how: 'reset', reason: clippedText(f[2], 'scope end', MAX_BYE_REASON) }
    default:
      throw unknownTag(f, 'session')
  }
}

function parseHello(f: unknown[]): SessionFrame {
  if (f.length !== 7) arity(f, 6, 'hello')
  const maxFrameBytes = count(f[5], 'hello')
  if (maxFrameBytes < MIN_FRAME_LIMIT) throw peerSent(`a hello with a frame limit of ${maxFrameBytes} bytes, below ${MIN_FRAME_LIMIT}`)
  return {
    type: 'hello',
    version: count(f[1], 'hello'),
    nonce: finite(f[2], 'hello'),
    round: count(f[3], 'hello'),
    role: oneOf(f[4], ROLES, 'hello'),
    maxFrameBytes,
    ...(f.length === 7 ? { resume: parseResumeHello(f[6]) } : {}),
  }
}

/**
 * A clock stamp: a number within ±2^53 ms (285,000 years), so that sums and differences of stamps
 * stay finite; whether it is plausible is the clock's call (clock-math.ts, implausibleSample).
 */
function stamp(value: unknown, what: string): number {
  return finite(value, what, -Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER)
}

const ROLES: readonly RolePreference[] = [null, 'leader', 'follower']

/** Longest `bye` reason kept, in characters. */
const MAX_BYE_REASON = 500

/** The smallest frame limit a peer may announce; below it no operation could work. */
export const MIN_FRAME_LIMIT = 1024
