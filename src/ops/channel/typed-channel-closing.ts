import { NetError } from '../../base/errors.js'
import { deferred } from '../../base/deferred.js'

type Side = 'this side' | 'the peer'

/**
 * How one channel endpoint closes. Each side sends two terminators — `end` after its last value,
 * `stop` once it reads no more — and the key is freed once both sides' four have passed, so
 * neither side can get a message after it released.
 *
 * `closed` never rejects: it resolves with NetError `closed` naming the side that closed first, or
 * with the session's reason when the session closed before that.
 */
export class ChannelClosing {
  sentEnd = false
  sentStop = false
  gotEnd = false
  gotStop = false
  readonly #closed = deferred<NetError>()
  #first: Side | undefined
  #reason: NetError | undefined

  constructor(private readonly key: string) {}

  get closed(): Promise<NetError> {
    return this.#closed.promise
  }

  /** Set once the channel closed, cleanly or with the session. */
  get reason(): NetError | undefined {
    return this.#reason
  }

  /** This side closed for sending or gave up reading. */
  closingHere(): void {
    this.#first ??= 'this side'
  }

  /** The peer's `end` or `stop` arrived. */
  closingThere(): void {
    this.#first ??= 'the peer'
  }

  /** True once, when the last of the four terminators passed: the caller then frees the key. */
  complete(): boolean {
    if (this.#reason !== undefined || !(this.sentEnd && this.sentStop && this.gotEnd && this.gotStop)) return false
    const first = this.#first ?? 'this side'
    const then = first === 'this side' ? 'the peer' : 'this side'
    this.#settle(new NetError('closed', `channel "${this.key}" was closed by ${first} first, then by ${then}`))
    return true
  }

  /** The session closed first; false if the channel had closed already. */
  fail(reason: NetError): boolean {
    if (this.#reason !== undefined) return false
    this.#settle(reason)
    return true
  }

  #settle(reason: NetError): void {
    this.#reason = reason
    this.#closed.resolve(reason)
  }
}
