import { isNetError, type NetError } from '../errors.js'
import { deferred, type Deferred } from '../internal/deferred.js'
import type { Port } from '../session/port.js'
import { encodeLockMessage, type LockMessage } from './lock-wire.js'

interface Outgoing {
  readonly message: LockMessage
  readonly sent: Deferred<void> | undefined
}

/**
 * Sends a lock's messages strictly one after another. A message the session refuses (a value too
 * large for the peer) is then known to be refused before anything later has gone out, so the
 * peer's view stays consistent: the lock sends `broken` in its place and stops.
 */
export class LockOutbox {
  readonly #queue: Outgoing[] = []
  #flushing = false

  constructor(
    private readonly port: Port<unknown[]>,
    /** Called once, with the refusal, when a message could not be sent; later messages are dropped. */
    private readonly onRefused: (err: NetError, message: LockMessage) => void,
  ) {}

  /**
   * Queues `message`. With `track`, returns a promise that settles when the session took it:
   * it rejects with the refusal if the message could not be sent, and resolves if the session
   * closed first (closing is reported to the lock separately).
   */
  send(message: LockMessage, track = false): Promise<void> | undefined {
    const sent = track ? deferred<void>() : undefined
    sent?.promise.catch(() => {})
    this.#queue.push({ message, sent })
    if (!this.#flushing) void this.#flush()
    return sent?.promise
  }

  async #flush(): Promise<void> {
    this.#flushing = true
    try {
      for (let item = this.#queue.shift(); item !== undefined; item = this.#queue.shift()) {
        try {
          // The first message goes out synchronously; each later one after the previous was taken.
          await this.port.send(encodeLockMessage(item.message))
          item.sent?.resolve()
        } catch (err) {
          const dropped = this.#queue.splice(0)
          if (isNetError(err, 'usage')) {
            item.sent?.reject(err)
            this.onRefused(err, item.message)
          } else {
            item.sent?.resolve()
          }
          for (const later of dropped) later.sent?.resolve()
          return
        }
      }
    } finally {
      this.#flushing = false
    }
  }
}
