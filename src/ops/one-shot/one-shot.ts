import { abortError, NetError, peerSent } from '../../base/errors.js'
import { onAbort } from '../../base/abort.js'
import type { OpHost } from '../../core/op-host.js'
import type { CancellablePort, PortHandlers } from '../../core/port.js'

/**
 * The lifecycle shared by exchange, join and select: each side sends exactly one message (its
 * outcome, `yield`, or `abort`) and receives exactly one. The caller's promise may settle early
 * (abort, fail fast); the port is released only once both messages have passed, because the
 * router treats any later message for a released key as a protocol error, but retired as soon as
 * the call settled, so that the key is free for the next call while the peer's message still
 * reaches this one.
 *
 * Agreement under abort: an abort before this side's message went out sends `abort` as that
 * message and rejects at once (the peer cannot settle without it). An abort after it, before
 * the peer's message arrived, sends one `cancel` and settles on the peer's verdict: its message
 * if it had already settled (the two crossed: it settled on our result, so we do too), its
 * `abort` if it had not, or its session's `cancelled` if it never opened the operation.
 *
 * Each operation is one subclass instance that is also its port's handlers: an operation costs a
 * few objects, not a closure per callback.
 */
export abstract class OneShot<M extends { type: string }, R> implements PortHandlers<M> {
  /** The caller's promise. */
  readonly result: Promise<R>
  #resolve!: (value: R) => void
  #reject!: (reason: unknown) => void
  #sent = false
  #received = false
  #settled = false
  #port: CancellablePort<unknown[]> | undefined
  #work: AbortController | undefined
  #stopAbort: (() => void) | undefined
  /** Set once this side sent `cancel`: the error it rejects with if the verdict is "aborted". */
  #cancelledWith: NetError | undefined

  constructor(
    readonly kind: string,
    readonly key: string,
    private readonly abortMessage: M,
  ) {
    this.result = new Promise<R>((resolve, reject) => {
      this.#resolve = resolve
      this.#reject = reject
    })
  }

  /** Names the operation in error messages, e.g. `join "join#3"`. */
  get what(): string {
    return `${this.kind} "${this.key}"`
  }

  /** Validates one peer message; throws NetError `protocol` for anything else. */
  abstract parse(raw: unknown): M

  /** The wire form of one of this side's messages (its tagged array). */
  abstract encode(message: M): unknown[]

  /** The peer's one message, validated. */
  protected abstract onPeer(message: M): void

  onMessage(message: M): void {
    if (this.#received) throw peerSent(`a second message for ${this.what}`)
    this.#received = true
    this.onPeer(message)
    this.#releaseIfDone()
  }

  onClose(reason: NetError): void {
    this.reject(reason)
    this.#work?.abort(reason)
  }

  onPeerCancel(): void {
    // The router delivers a cancel only after the peer's message, so this side has all it needs.
    if (!this.#received) throw peerSent(`a cancel of ${this.what} before its result`)
    if (this.#settled) return // our message is out (or the session closed): the peer settles on it
    const aborted = this.peerAborted()
    this.reject(aborted)
    this.#work?.abort(aborted)
    if (!this.#sent) this.send(this.abortMessage)
  }

  onCancelAnswered(): void {
    if (this.#cancelledWith === undefined || this.#received) {
      throw peerSent(`an answer to a cancel that ${this.what} did not send`)
    }
    this.#received = true
    this.reject(this.#cancelledWith)
    this.#releaseIfDone()
  }

  /**
   * Opens the port and wires the caller's signal (an already aborted one aborts at once).
   * Returns false, with the result rejected, if the port cannot be opened.
   */
  open(host: OpHost, signal: AbortSignal | undefined): boolean {
    try {
      this.#port = host.openPort<unknown[], M>(this.kind, this.key, this)
    } catch (err) {
      this.reject(err)
      return false
    }
    if (signal !== undefined) this.#stopAbort = onAbort(signal, () => this.#abortLocally(signal))
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

  /** The signal handed to the local function, aborted once its result is no longer wanted. */
  workSignal(): AbortSignal {
    return (this.#work ??= new AbortController()).signal
  }

  /** Aborts the local function's signal, if it was ever handed out. */
  abortWork(reason: unknown): void {
    this.#work?.abort(reason)
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
    void this.#port!.post(this.encode(message))
    this.#sent = true
    this.#releaseIfDone()
  }

  resolve(value: R): void {
    if (!this.#settle()) return
    this.#resolve(value)
    this.#releaseIfDone()
  }

  reject(reason: unknown): void {
    if (!this.#settle()) return
    this.#reject(reason)
    this.#releaseIfDone()
  }

  /**
   * Gives up before this side sent anything (a bad argument, an unencodable value): `abort` tells
   * the peer, whose call rejects with NetError `aborted`; this side rejects with `reason`.
   */
  refuse(reason: unknown): void {
    this.send(this.abortMessage)
    this.reject(reason)
  }

  /** The error for a peer that aborted its side (this side's own abort error if it cancelled first). */
  peerAborted(): NetError {
    return this.#cancelledWith ?? new NetError('aborted', `${this.what} was aborted by the peer`)
  }

  #settle(): boolean {
    if (this.#settled) return false
    this.#settled = true
    this.#stopAbort?.()
    return true
  }

  #abortLocally(signal: AbortSignal): void {
    if (this.#settled) return
    const aborted = abortError(signal, this.what)
    if (!this.#sent) {
      this.reject(aborted)
      this.#work?.abort(signal.reason)
      return this.send(this.abortMessage)
    }
    if (this.#received) return // not reached: once both messages passed, the operation settled
    // Our result went out first, and the peer may already have settled on it: ask, and settle
    // on its verdict, which is on its way within about one round trip.
    this.#cancelledWith = aborted
    this.#port!.cancel()
  }

  #releaseIfDone(): void {
    if (this.#sent && this.#received) this.#port!.release()
    // Settled with only the peer's message to come (which may take as long as the peer takes to
    // call): the caller may use the key again at once, and the retired port takes that message.
    else if (this.#sent && this.#settled) this.#port?.retire()
  }
}
