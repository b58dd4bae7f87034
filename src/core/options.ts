import { checkFunction, checkInteger, checkNumber, checkOneOf, checkOptionsObject, checkShape, checkSignal, usageError } from '../base/arguments.js'
import { defaultNow } from '../clock/local-clock.js'
import { MAX_TIMER_MS } from '../base/unref-timer.js'
import { MIN_FRAME_LIMIT, PROTOCOL_VERSION } from './wire.js'
import { DEFAULT_MAX_HELD_BYTES } from '../transport/frame-receiver.js'
import { checkResumeOptions, type ResumeOptions } from './resume/resume-options.js'

/**
 * Options for `Session.open`. A value outside what an option accepts makes `Session.open` reject
 * with NetError `usage` naming the option.
 */
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
   * Session resume, off by default; pass it on both sides or on neither. With it, a dropped
   * transport or a silent peer suspends the session instead of closing it, and
   * {@link Session.resume} continues it over a new channel with nothing lost or doubled. Each
   * side keeps what it sent until the peer acknowledged it, up to `maxHeldBytes`; a send past
   * that waits. Needs Web Crypto (`crypto.subtle`: Node ≥ 20, or a browser's secure context).
   *
   * A drop while the session opens, once the hellos were exchanged (during the opening clock
   * burst), suspends it too, on both sides (the peer may have opened already): `Session.open`
   * resolves with `state` `suspended`, and the `suspended` event follows on the next macrotask, so
   * a listener added right after `await Session.open(...)` hears it; resume it like any other. A
   * drop before the hellos crossed rejects `Session.open` with `closed`, as without resume.
   */
  resume?: ResumeOptions
  /**
   * Interval between heartbeat pings, in ms: a finite number > 0.
   * @default 1000
   */
  heartbeatMs?: number
  /**
   * A peer silent for longer than this closes the session with NetError `timeout`, in ms: a finite
   * number greater than `heartbeatMs`. It is also the handshake's deadline: `Session.open` rejects
   * with `timeout` when the handshake has not completed within it, whatever the peer sent.
   *
   * A network outage is survived when it lasts at most `timeoutMs / 2 − 1000` ms (5 s at the
   * default): after an outage the transport's retransmission backoff (SCTP doubles its timeout on
   * every retry) can keep the connection silent for up to about as long again before anything
   * flows, so the silence the session sees is up to twice the outage. An outage longer than
   * `timeoutMs` always closes it.
   * @default 12000
   */
  timeoutMs?: number
  /**
   * Largest frame accepted from the peer, in bytes; announced to the peer in the handshake. An
   * integer in [1024, 2^32 − 1].
   * @default 67108864 (64 MiB)
   */
  maxFrameBytes?: number
  /**
   * Most messages held for operations the peer started and this side has not started yet. An
   * integer ≥ 0.
   * @default 100000
   */
  maxPendingMessages?: number
  /**
   * The session's memory budget, in bytes: the most the peer can make this side hold at once.
   * Frames before the session opens, chunks of unfinished frames, messages for operations not
   * opened here yet, channel values not read yet and queued lock requests all draw from it, each
   * charged by an estimate of its heap size (decoded values: wire bytes + 96 bytes per data
   * item). A peer that exceeds it closes the session with NetError `protocol` naming the budget.
   * Until `Session.open` sets it, an adapter's channel holds at most the default. An integer ≥ 1024.
   * @default 67108864 (64 MiB)
   */
  maxHeldBytes?: number
  /**
   * Deepest nesting accepted in a decoded value: an integer ≥ 1.
   * @default 64
   */
  maxDepth?: number
  /**
   * Most data items accepted in one frame: an integer ≥ 1. Decoding builds one value per item
   * (an empty map costs ~63 bytes of heap and ~0.3 µs), so this bounds how long one frame blocks
   * the event loop: a few ms at the default.
   * @default 32768
   */
  maxItems?: number
  /**
   * Most data items decoded per second, over a one-second window: a peer that sends more closes
   * the session with NetError `protocol`. Bounds the share of the event loop that decoding the
   * peer's frames takes. An integer ≥ 1.
   * @default 2000000
   */
  maxItemsPerSecond?: number
  /**
   * Number of back-to-back clock probes sent when the session opens: an integer ≥ 0 (0 leaves the
   * clock unmeasured until the first heartbeat).
   * @default 12
   */
  clockBurst?: number
  /**
   * The local clock in ms; inject one for tests (e.g. a skewed clock).
   * @default () => performance.timeOrigin + performance.now()
   */
  now?: () => number
  /**
   * Random source for the leader election nonce; inject a seeded one for tests.
   * @default Math.random
   */
  random?: () => number
}

/** What the core accepts beyond the public options; tests reach it with a cast. */
export interface InternalSessionOptions extends SessionOptions {
  /** The protocol version announced in the handshake: for testing how another version is refused. */
  protocolVersion?: number
}

export type ResolvedSessionOptions = Required<Omit<InternalSessionOptions, 'role' | 'signal' | 'resume'>> & {
  role: 'leader' | 'follower' | null
  resume: ResumeOptions | undefined
}

const WHERE = 'Session.open'

/**
 * Fills in the defaults; throws NetError `usage`, naming the option and what it accepts, for a
 * value outside that (`Session.open` turns it into its rejection).
 */
export function resolveSessionOptions(options: InternalSessionOptions): ResolvedSessionOptions {
  checkSessionOptions(options)
  const resolved: ResolvedSessionOptions = {
    role: options.role ?? null,
    heartbeatMs: options.heartbeatMs ?? 1000,
    timeoutMs: options.timeoutMs ?? 12_000,
    maxFrameBytes: options.maxFrameBytes ?? 64 * 1024 * 1024,
    maxPendingMessages: options.maxPendingMessages ?? 100_000,
    maxHeldBytes: options.maxHeldBytes ?? DEFAULT_MAX_HELD_BYTES,
    maxDepth: options.maxDepth ?? 64,
    maxItems: options.maxItems ?? 32_768,
    maxItemsPerSecond: options.maxItemsPerSecond ?? 2_000_000,
    clockBurst: options.clockBurst ?? 12,
    now: options.now ?? defaultNow,
    random: options.random ?? Math.random,
    protocolVersion: options.protocolVersion ?? PROTOCOL_VERSION,
    resume: options.resume === undefined ? undefined : { graceMs: options.resume.graceMs },
  }
  if (!(resolved.timeoutMs > resolved.heartbeatMs)) {
    throw usageError(WHERE, `timeoutMs must be greater than heartbeatMs (${resolved.heartbeatMs}), got ${resolved.timeoutMs}`)
  }
  return resolved
}

function checkSessionOptions(options: InternalSessionOptions): void {
  const given = checkOptionsObject(WHERE, options)
  checkOneOf(WHERE, 'role', given.role, ['leader', 'follower'])
  checkSignal(WHERE, given.signal)
  checkNumber(WHERE, 'heartbeatMs', given.heartbeatMs, { min: 0, max: MAX_TIMER_MS, aboveMin: true })
  checkNumber(WHERE, 'timeoutMs', given.timeoutMs, { min: 0, aboveMin: true })
  checkInteger(WHERE, 'maxFrameBytes', given.maxFrameBytes, MIN_FRAME_LIMIT, 0xffff_ffff)
  checkInteger(WHERE, 'maxPendingMessages', given.maxPendingMessages, 0)
  checkInteger(WHERE, 'maxHeldBytes', given.maxHeldBytes, MIN_FRAME_LIMIT)
  checkInteger(WHERE, 'maxDepth', given.maxDepth, 1)
  checkInteger(WHERE, 'maxItems', given.maxItems, 1)
  checkInteger(WHERE, 'maxItemsPerSecond', given.maxItemsPerSecond, 1)
  checkInteger(WHERE, 'clockBurst', given.clockBurst, 0)
  checkFunction(WHERE, 'now', given.now, true)
  checkFunction(WHERE, 'random', given.random, true)
  checkInteger(WHERE, 'protocolVersion', given.protocolVersion, 0)
  checkResumeOptions(WHERE, given.resume)
}

/** What `Session.open` needs from its channel: a FrameChannel, not the transport under it. */
export function checkFrameChannel(channel: unknown, where = WHERE): void {
  checkShape(where, 'channel', channel, 'a FrameChannel (wrap the transport: fromDataChannel(dc), fromWebSocket(ws), …)', [
    'send',
    'onFrame',
    'close',
  ])
}
