import { abortError, NetError } from '../errors.js'
import { onAbort } from '../internal/abort.js'
import { deferred } from '../internal/deferred.js'
import type { OpHost } from '../session/op-host.js'
import type { Port } from '../session/port.js'

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
