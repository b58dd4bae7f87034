import { isNetError, type NetError } from '../../base/errors.js'
import { deferred, type Deferred } from '../../base/deferred.js'
import { noop, RESOLVED } from '../../base/noop.js'
import type { Port } from '../../core/port.js'
import { encodeLockMessage, type LockMessage } from './lock-wire.js'

interface Outgoing {
  readonly message: LockMessage
  readonly sent: Deferred<void> | undefined
}

/**
 * Sends a lock's messages in order, each at once unless a value-carrying message is still on its
 * way into the transport. A message the session refuses (a value too large for the peer) is
 * refused synchronously, before anything later has gone out, so the peer's view stays
 * consistent: the lock sends `broken` in its place and stops.
 */
export class LockOutbox {
  /** Messages waiting behind a value that the transport has not taken yet. */
  readonly #queue: Outgoing[] = []
  #waiting = false
  /** Set once a message was refused or the lock stopped: nothing more goes out. */
  #stopped = false
  /** Made once: a value-carrying message (every hand-off's token) would otherwise cost a closure. */
  readonly #taken = (): void => this.#sendWaiting()

  constructor(
    private readonly port: Port<unknown[]>,
    /** Called once, with the refusal, when a message could not be sent; later messages are dropped. */
    private readonly onRefused: (err: NetError, message: LockMessage) => void,
  ) {}

  /**
   * Sends `message`. With `track`, returns a promise that settles when the session took it:
   * it rejects with the refusal if the message could not be sent, and resolves if the session
   * closed first (closing is reported to the lock separately).
   */
  send(message: LockMessage, track = false): Promise<void> | undefined {
    if (this.#stopped) return track ? RESOLVED : undefined
    if (!this.#waiting) return this.#transmit(message, track)
    const sent = track ? deferred<void>() : undefined
    sent?.promise.catch(noop)
    this.#queue.push({ message, sent })
    return sent?.promise
  }

  #transmit(message: LockMessage, track: boolean): Promise<void> | undefined {
    let taken: Promise<void>
    try {
      taken = this.port.post(encodeLockMessage(message))
    } catch (err) {
      return this.#refuse(err, message, track)
    }
    if (!track) return undefined
    // A value may be large enough to be chunked: nothing of this lock may pass it on the wire.
    this.#waiting = true
    void taken.then(this.#taken)
    return taken
  }

  #sendWaiting(): void {
    this.#waiting = false
    for (let item = this.#queue.shift(); item !== undefined; item = this.#queue.shift()) {
      const taken = this.#stopped ? RESOLVED : this.#transmit(item.message, item.sent !== undefined)
      if (item.sent !== undefined) taken!.then(item.sent.resolve, item.sent.reject)
      if (this.#waiting) return
    }
  }

  /**
   * Drops the messages still waiting and everything sent later: the lock is closing, and its
   * closing message goes out directly, right behind what the transport already took.
   */
  stop(): void {
    this.#stopped = true
    for (const dropped of this.#queue.splice(0)) dropped.sent?.resolve()
  }

  #refuse(err: unknown, message: LockMessage, track: boolean): Promise<void> | undefined {
    // Anything but a refusal means the session is closing; the lock hears of that separately.
    if (!isNetError(err, 'usage')) return track ? RESOLVED : undefined
    this.stop()
    // Reported after the caller's state change for this message is complete, as for a send that
    // failed later.
    queueMicrotask(() => this.onRefused(err, message))
    if (!track) return undefined
    const refused = Promise.reject(err)
    refused.catch(noop)
    return refused
  }
}
