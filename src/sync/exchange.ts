import { abortError, NetError } from '../errors.js'
import { onAbort } from '../internal/abort.js'
import { deferred } from '../internal/deferred.js'
import { unreachable } from '../internal/unreachable.js'
import type { OpHost, OpOptions } from '../session/op-host.js'
import type { Port } from '../session/port.js'

/** The exchange wire protocol: each side sends exactly one of these. */
export type ExchangeMessage = { type: 'value'; value: unknown } | { type: 'abort' }

/** Validates a peer's exchange message; throws NetError `protocol` for anything else. */
export function parseExchangeMessage(raw: unknown): ExchangeMessage {
  const m = plainRecord(raw, 'exchange')
  const size = Object.keys(m).length
  if (m.type === 'value' && size === 2 && 'value' in m) return { type: 'value', value: m.value }
  if (m.type === 'abort' && size === 1) return { type: 'abort' }
  throw malformed('exchange')
}

/** Sends `value` and resolves with the peer's value. */
export function runExchange<Theirs>(host: OpHost, value: unknown, options: OpOptions): Promise<Theirs> {
  const key = options.key ?? host.nextKey('exchange')
  const op = new OneShot<ExchangeMessage, Theirs>(`exchange "${key}"`, { type: 'abort' })
  const onPeer = (message: ExchangeMessage): void => {
    switch (message.type) {
      case 'value':
        return op.resolve(message.value as Theirs)
      case 'abort':
        return op.reject(op.peerAborted())
      default:
        return unreachable(message)
    }
  }
  if (op.open(host, 'exchange', key, parseExchangeMessage, onPeer, options.signal) && !op.sent) {
    try {
      op.send({ type: 'value', value })
    } catch (err) {
      // Unencodable: nothing went out, so `abort` is still our one message and the peer settles.
      op.send({ type: 'abort' })
      op.reject(err)
    }
  }
  return op.result.promise
}

/**
 * The lifecycle shared by exchange, join and select: each side sends exactly one message (its
 * outcome, `yield`, or `abort`) and receives exactly one. The caller's promise may settle early
 * (abort, fail fast), but the port is released only once both messages have passed, because the
 * router treats any later message for a released key as a protocol error.
 */
export class OneShot<M extends { type: string }, R> {
  readonly result = deferred<R>()
  #sent = false
  #received = false
  #settled = false
  #port: Port<M> | undefined
  #work: AbortController | undefined
  #stopAbort: () => void = () => {}

  constructor(
    /** Names the operation in error messages, e.g. `join "join#3"`. */
    readonly what: string,
    private readonly abortMessage: M,
  ) {}

  /**
   * Opens the port and wires the caller's signal (an already aborted one aborts at once).
   * Returns false, with the result rejected, if the port cannot be opened.
   */
  open(host: OpHost, kind: string, key: string, parse: (raw: unknown) => M, onPeer: (message: M) => void, signal?: AbortSignal): boolean {
    try {
      this.#port = host.openPort<M, M>(kind, key, {
        parse,
        onMessage: (message) => {
          if (this.#received) throw new NetError('protocol', `peer sent a second message for ${this.what}`)
          this.#received = true
          onPeer(message)
          this.#releaseIfDone()
        },
        onClose: (reason) => {
          this.reject(reason)
          this.#work?.abort(reason)
        },
      })
    } catch (err) {
      this.reject(err)
      return false
    }
    this.#stopAbort = onAbort(signal, () => this.#abortLocally(signal!))
    return true
  }

  /** This side has sent its one message. */
  get sent(): boolean {
    return this.#sent
  }

  /** The caller's promise has settled. */
  get settled(): boolean {
    return this.#settled
  }

  /** Handed to the local function; aborted once its result is no longer wanted. Made on first use (exchange has none). */
  get work(): AbortController {
    return (this.#work ??= new AbortController())
  }

  /** True on the side that breaks exact ties. */
  get isLeader(): boolean {
    return this.#port?.isLeader ?? false
  }

  /** The shared timeline, in ms. */
  now(): number {
    return this.#port!.now()
  }

  /** Sends this side's one message; throws NetError `usage` (nothing sent) if it cannot be encoded. */
  send(message: M): void {
    if (this.#sent) throw new Error(`${this.what} tried to send a second message`)
    this.#port!.post(message)
    this.#sent = true
    this.#releaseIfDone()
  }

  resolve(value: R): void {
    if (this.#settle()) this.result.resolve(value)
  }

  reject(reason: unknown): void {
    if (this.#settle()) this.result.reject(reason)
  }

  /** The error for a peer that aborted its side. */
  peerAborted(): NetError {
    return new NetError('aborted', `${this.what} was aborted by the peer`)
  }

  #settle(): boolean {
    if (this.#settled) return false
    this.#settled = true
    this.#stopAbort()
    return true
  }

  #abortLocally(signal: AbortSignal): void {
    if (this.#settled) return
    this.reject(abortError(signal, this.what))
    this.#work?.abort(signal.reason)
    // After our one message went out the peer settles on it; otherwise `abort` settles it.
    if (!this.#sent) this.send(this.abortMessage)
  }

  #releaseIfDone(): void {
    if (this.#sent && this.#received) this.#port!.release()
  }
}

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
