import { abortError, NetError, peerSent } from '../../base/errors.js'
import { onAbort } from '../../base/abort.js'
import { describeValue, usageError } from '../../base/arguments.js'
import { callMisuse } from '../../core/op-arguments.js'
import { deferred } from '../../base/deferred.js'
import { noop } from '../../base/noop.js'
import { unreachable } from '../../base/unreachable.js'
import type { CancellablePort } from '../../core/port.js'
import { waitUntil } from '../../clock/start-timer.js'
import { DEFAULT_DELAY_MS, isTooFarAhead, readyDelayMs, startLeadMs } from './sync-start-lead.js'
import type { SyncStartHost, SyncStartInfo, SyncStartOptions } from './sync-start-types.js'
import { encodeSyncStartMessage, isDelay, MAX_DELAY_MS, parseSyncStartMessage, type AbortReason, type SyncStartMessage } from './sync-start-wire.js'

/**
 * How far (ms) past the agreed instant a `start` may arrive and still be obeyed (the function then
 * starts at once, `lateByMs` saying how late). Anything later rejects with NetError `late`: such a
 * start is no longer "the same instant", and the clock estimate itself is good to a fraction of
 * a millisecond, so a smaller tolerance would turn estimate noise into spurious failures.
 */
export const SYNC_START_LATE_TOLERANCE_MS = 1

type State = 'agreeing' | 'waiting' | 'started' | 'failed'

/**
 * One syncStart call: the state machine of one side. Each side ends with exactly one final
 * message (`done` or `abort`) and releases its port once it has sent its own and received the
 * peer's, so nothing can arrive for a released key. A call that failed first retires its port (the
 * key is free for the next call while the peer's last messages still reach this one).
 */
export class SyncStartOp<P, R> {
  readonly result = deferred<R>()
  readonly #what: string
  readonly #delayMs: number
  #state: State = 'agreeing'
  #port!: CancellablePort<unknown[]>
  /** Leader: the follower's `ready` arrived. Follower: the leader's `start` arrived. */
  #heardFirst = false
  #sentFinal = false
  #peerFinal = false
  /** This side was aborted after it started: it cancels (after its `done`) and awaits the peer's verdict. */
  #cancelling = false
  /** Cancels the wait for the start instant. */
  readonly #wait = new AbortController()
  /** Settles with the peer's final message: it started (`done`), or it could not (`abort`). */
  readonly #peerStarted = deferred<void>()
  #stopAbort: () => void = noop

  constructor(
    private readonly host: SyncStartHost,
    key: string,
    private readonly fn: (info: SyncStartInfo<P>) => R | PromiseLike<R>,
    private readonly options: SyncStartOptions,
  ) {
    this.#what = `syncStart "${key}"`
    // Only `undefined` means the default: a null is a mistake, refused below like any other bad value.
    this.#delayMs = options.delayMs === undefined ? DEFAULT_DELAY_MS : options.delayMs
    this.#peerStarted.promise.catch(noop) // read only once this side has started
    try {
      this.#port = host.openPort<unknown[], SyncStartMessage>('syncStart', key, {
        parse: parseSyncStartMessage,
        onMessage: (message) => this.#onMessage(message),
        onClose: (reason) => {
          this.#peerStarted.reject(reason)
          this.#fail(reason, undefined)
        },
        onPeerCancel: () => this.#onPeerCancel(),
      })
    } catch (err) {
      this.#state = 'failed'
      this.result.reject(err)
      return
    }
    // Bad options still open the port, so that the peer's call is told and settles.
    const misuse =
      callMisuse(this.#what, fn, options.signal) ??
      (isDelay(this.#delayMs) ? undefined : usageError(this.#what, `delayMs must be a number in [0, ${MAX_DELAY_MS}], got ${describeValue(this.#delayMs)}`))
    if (misuse !== undefined) {
      this.#fail(misuse, 'aborted')
      return
    }
    const { signal } = options
    this.#stopAbort = onAbort(signal, () => this.#onAbort(abortError(signal!, this.#what)))
  }

  /** True on a follower call that still has to send `ready`. */
  get needsReady(): boolean {
    return this.#state === 'agreeing' && !this.#port.isLeader
  }

  /** Follower: sends `ready`, asking for enough lead to cover a batch of `batchSize` calls. */
  sendReady(batchSize: number): void {
    if (this.#state !== 'agreeing') return // aborted meanwhile: `abort` went out instead
    const delayMs = readyDelayMs(this.host.clock, this.#delayMs, batchSize)
    this.#transmit({ type: 'ready', payload: this.options.payload, delayMs })
  }

  #onMessage(message: SyncStartMessage): void {
    if (this.#peerFinal) throw peerSent(`a "${message.type}" after its final message for ${this.#what}`)
    const isLeader = this.#port.isLeader
    switch (message.type) {
      case 'ready': {
        if (!isLeader || this.#heardFirst) throw peerSent(`an unexpected "ready" for ${this.#what}`)
        this.#heardFirst = true
        if (this.#state !== 'agreeing') return // we gave up; our `abort` is on its way
        const at = this.#port.now() + startLeadMs(this.host.clock, this.#delayMs, message.delayMs)
        this.#transmit({ type: 'start', at, payload: this.options.payload })
        return this.#schedule(at, message.payload)
      }
      case 'start':
        if (isLeader || this.#heardFirst) throw peerSent(`an unexpected "start" for ${this.#what}`)
        this.#heardFirst = true
        if (this.#state !== 'agreeing') return
        return this.#onStart(message.at, message.payload)
      case 'done':
        if (!this.#heardFirst) throw peerSent(`"done" before agreeing on a start for ${this.#what}`)
        this.#peerFinal = true
        if (this.#state === 'started') this.#stopAbort() // both started: an abort changes nothing now
        this.#peerStarted.resolve()
        return this.#releaseIfDone()
      case 'abort': {
        this.#peerFinal = true
        const why =
          message.reason === 'late'
            ? 'the start instant had passed when the peer heard of it'
            : this.#cancelling
              ? 'it was aborted here before the peer started'
              : 'it was aborted by the peer'
        // A side that already started learns here that it started alone, and says so.
        const started = this.#state === 'started' ? 'this side started but the peer did not: ' : ''
        const code = message.reason === 'late' ? 'late' : 'aborted'
        this.#peerStarted.reject(new NetError(code, `${this.#what}: ${started}${why}`))
        this.#fail(new NetError(code, `${this.#what}: ${why}`), 'aborted')
        return this.#releaseIfDone()
      }
      default:
        return unreachable(message)
    }
  }

  /** Follower: the leader's `start` arrived. */
  #onStart(at: number, peerPayload: unknown): void {
    if (!Number.isFinite(this.#port.clockErrorBound())) {
      return this.#fail(new NetError('usage', `${this.#what}: no clock estimate yet (the session was opened with clockBurst: 0)`), 'aborted')
    }
    const lateBy = this.#port.now() - at
    if (isTooFarAhead(-lateBy, this.#port.clockErrorBound())) {
      throw peerSent(`a start ${(-lateBy).toFixed(0)} ms ahead for ${this.#what}; a leader schedules at most ${MAX_DELAY_MS} ms ahead`)
    }
    if (lateBy > SYNC_START_LATE_TOLERANCE_MS) {
      const why = `the start instant had passed ${lateBy.toFixed(3)} ms before it arrived (tolerance ${SYNC_START_LATE_TOLERANCE_MS} ms)`
      return this.#fail(new NetError('late', `${this.#what}: ${why}`), 'late')
    }
    this.#schedule(at, peerPayload)
  }

  #schedule(at: number, peerPayload: unknown): void {
    this.#state = 'waiting'
    const port = this.#port
    waitUntil(at, { now: () => port.now(), signal: this.#wait.signal }).then(
      () => this.#start(at, peerPayload as P),
      (err: unknown) => this.#fail(err, 'aborted'), // a no-op when we cancelled the wait ourselves
    )
  }

  #start(at: number, peerPayload: P): void {
    if (this.#state !== 'waiting') return
    this.#state = 'started'
    // Read now rather than taking waitUntil's figure: a microtask has passed since it returned.
    const lateByMs = Math.max(0, this.#port.now() - at)
    let outcome: R | PromiseLike<R>
    try {
      outcome = this.fn({ peerPayload, at, lateByMs })
    } catch (err) {
      outcome = Promise.reject(err)
    }
    // On a later task: other starts due at about the same instant go first (a send costs ~0.1 ms).
    setTimeout(() => this.#final({ type: 'done' }), 0)
    // Settles once fn has and the peer has confirmed its own start, so both sides agree on
    // whether the start happened.
    Promise.all([outcome, this.#peerStarted.promise])
      .then(([value]) => this.result.resolve(value), this.result.reject)
      .finally(() => this.#stopAbort())
  }

  /** Settles as failed unless already started or settled; `tell` sends our final `abort`. */
  #fail(err: unknown, tell: AbortReason | undefined): void {
    if (this.#state === 'started' || this.#state === 'failed') return
    this.#state = 'failed'
    this.#stopAbort()
    this.#wait.abort(err)
    this.result.reject(err)
    if (tell !== undefined) this.#final({ type: 'abort', reason: tell })
  }

  /** Sends a message that carries a payload; one that cannot be sent fails the call. */
  #transmit(message: SyncStartMessage): void {
    const port = this.#port
    port.send(encodeSyncStartMessage(message)).catch((err: unknown) => {
      // A closing session reaches us through onClose; anything else is this message's fault.
      if (port.isOpen) this.#fail(err, 'aborted')
    })
  }

  #final(message: SyncStartMessage): void {
    void this.#port.post(encodeSyncStartMessage(message))
    this.#sentFinal = true
    if (this.#cancelling && !this.#peerFinal) this.#port.cancel() // after our `done`, as the peer expects it
    this.#releaseIfDone()
  }

  #onAbort(err: NetError): void {
    if (this.#state !== 'started') return this.#fail(err, 'aborted')
    if (this.#peerFinal || this.#cancelling) return
    // Started, but the peer's start is not confirmed: ask it to give up unless it has started
    // too, and settle on its verdict (its `done` or `abort`) within about one round trip.
    this.#cancelling = true
    if (this.#sentFinal) this.#port.cancel()
  }

  /** The peer, started and confirmed, was aborted: a side that has not started gives up too. */
  #onPeerCancel(): void {
    if (!this.#peerFinal) throw peerSent(`a cancel before its final message for ${this.#what}`)
    // Started (our `done` goes out) or failed (our `abort` went out): that answer decides for both.
    if (this.#state === 'started' || this.#state === 'failed') return
    this.#fail(new NetError('aborted', `${this.#what}: the peer started, then was aborted before this side started`), 'aborted')
  }

  #releaseIfDone(): void {
    if (this.#sentFinal && this.#peerFinal) this.#port.release()
    // Failed, with only the peer's final message to come: free the key for the next call now.
    else if (this.#sentFinal && this.#state === 'failed') this.#port.retire()
  }

}
