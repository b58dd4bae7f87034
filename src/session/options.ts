import type { Now } from '../time/local-clock.js'
import { defaultNow } from '../time/local-clock.js'
import { PROTOCOL_VERSION } from './wire.js'

/** Options for `Session.open`. */
export interface SessionOptions {
  /**
   * Fix this side's role instead of electing it. The leader breaks exact ties and its clock is the
   * shared timeline. Fix it on one side only, or on neither.
   * @default elected from random nonces
   */
  role?: 'leader' | 'follower'
  /** Aborts opening the session. */
  signal?: AbortSignal
  /**
   * Interval between heartbeat pings, in ms.
   * @default 1000
   */
  heartbeatMs?: number
  /**
   * A peer silent for longer than this closes the session with NetError `timeout`, in ms.
   * @default 5000
   */
  timeoutMs?: number
  /**
   * Largest frame accepted from the peer, in bytes; announced to the peer in the handshake.
   * @default 67108864 (64 MiB)
   */
  maxFrameBytes?: number
  /**
   * Most messages held for operations the peer started and this side has not started yet.
   * @default 100000
   */
  maxPendingMessages?: number
  /**
   * Deepest nesting accepted in a decoded value.
   * @default 64
   */
  maxDepth?: number
  /**
   * Most data items accepted in one frame.
   * @default 1000000
   */
  maxItems?: number
  /**
   * Number of back-to-back clock probes sent when the session opens.
   * @default 12
   */
  clockBurst?: number
  /**
   * The local clock in ms; inject one for tests (e.g. a skewed clock).
   * @default () => performance.timeOrigin + performance.now()
   */
  now?: Now
  /**
   * Random source for the leader election nonce; inject a seeded one for tests.
   * @default Math.random
   */
  random?: () => number
  /**
   * The protocol version announced in the handshake. Only for testing how a peer on another
   * version is refused.
   * @internal
   */
  protocolVersion?: number
}

export type ResolvedSessionOptions = Required<Omit<SessionOptions, 'role' | 'signal'>> & {
  role: 'leader' | 'follower' | null
}

export function resolveSessionOptions(options: SessionOptions): ResolvedSessionOptions {
  const resolved: ResolvedSessionOptions = {
    role: options.role ?? null,
    heartbeatMs: options.heartbeatMs ?? 1000,
    timeoutMs: options.timeoutMs ?? 5000,
    maxFrameBytes: options.maxFrameBytes ?? 64 * 1024 * 1024,
    maxPendingMessages: options.maxPendingMessages ?? 100_000,
    maxDepth: options.maxDepth ?? 64,
    maxItems: options.maxItems ?? 1_000_000,
    clockBurst: options.clockBurst ?? 12,
    now: options.now ?? defaultNow,
    random: options.random ?? Math.random,
    protocolVersion: options.protocolVersion ?? PROTOCOL_VERSION,
  }
  if (!(resolved.heartbeatMs > 0) || !(resolved.timeoutMs > resolved.heartbeatMs)) {
    throw new RangeError('timeoutMs must be greater than heartbeatMs, and both positive')
  }
  return resolved
}
