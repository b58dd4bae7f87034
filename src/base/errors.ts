/**
 * Every failure netbeam reports is a {@link NetError}; callers branch on `code`.
 */
export const NET_ERROR_CODES = [
  /** The session or channel closed (locally, by the peer, or because the transport went away). */
  'closed',
  /** The peer went silent for longer than the heartbeat bound. */
  'timeout',
  /** The caller's AbortSignal fired, or the peer aborted its side of the operation. */
  'aborted',
  /** The peer sent something that breaks the protocol (malformed, oversize, out of order). */
  'protocol',
  /** The peer speaks an incompatible protocol version. */
  'version',
  /** The peer's function failed; `remoteName` and `remoteMessage` say how. */
  'remote',
  /** A synchronized start whose agreed instant had already passed. */
  'late',
  /** The API was used in a way it does not support (bad option, key already in use, released guard). */
  'usage',
] as const

/** The closed set of {@link NetError} codes. */
export type NetErrorCode = (typeof NET_ERROR_CODES)[number]

/** Options for {@link NetError}. */
export interface NetErrorOptions {
  /** The underlying error or reason. */
  cause?: unknown
  /** For code `remote`: the `name` of the error thrown on the peer. */
  remoteName?: string
  /** For code `remote`: the `message` of the error thrown on the peer. */
  remoteMessage?: string
}

/**
 * The one error class of netbeam.
 *
 * @example
 * ```ts
 * try { await session.tryJoin(work) }
 * catch (err) { if (err instanceof NetError && err.code === 'remote') console.log(err.remoteMessage) }
 * ```
 */
export class NetError extends Error {
  /** Always `'NetError'`. */
  override readonly name = 'NetError'
  /** What happened: one of {@link NET_ERROR_CODES}. */
  readonly code: NetErrorCode
  /** For code `remote`: the `name` of the error thrown on the peer. */
  readonly remoteName: string | undefined
  /** For code `remote`: the `message` of the error thrown on the peer. */
  readonly remoteMessage: string | undefined

  constructor(code: NetErrorCode, message: string, options: NetErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause })
    this.code = code
    this.remoteName = options.remoteName
    this.remoteMessage = options.remoteMessage
  }
}

/** True when `err` is a {@link NetError}, optionally with the given code. */
export function isNetError(err: unknown, code?: NetErrorCode): err is NetError {
  return err instanceof NetError && (code === undefined || err.code === code)
}

/** Turns an AbortSignal's reason into the error an aborted call rejects with. */
export function abortError(signal: AbortSignal, what: string): NetError {
  const reason: unknown = signal.reason
  if (reason instanceof NetError) return reason
  return new NetError('aborted', `${what} was aborted`, { cause: reason })
}

/**
 * The error for anything the peer should not have sent (malformed, out of order, over a limit):
 * NetError `protocol` with the message "peer sent `what`". Every layer reports its peer this way.
 */
export function peerSent(what: string, cause?: unknown): NetError {
  return new NetError('protocol', `peer sent ${what}`, cause === undefined ? {} : { cause })
}
