import type { FrameChannel } from '../../transport/frame-channel.js'
import { NetError } from '../../base/errors.js'
import { deferred } from '../../base/deferred.js'

/**
 * The channel a resumable session holds: it forwards to the current transport channel, which a
 * resume replaces. It closes only when the session closes it; when the current channel closes
 * under the session, `onDrop` is told instead (the session suspends, or closes for a protocol
 * error). Without resume the session holds its channel directly.
 */
export class SwitchableChannel implements FrameChannel {
  #current: FrameChannel | undefined
  #receiver: ((frame: Uint8Array) => void) | undefined
  readonly #closed = deferred<NetError>()
  #closeReason: NetError | undefined
  /** The current channel closed under the session. Set by the session. */
  onDrop: (reason: NetError) => void = (reason) => this.close(reason)

  constructor(first: FrameChannel) {
    this.#use(first)
  }

  /** True while there is no channel: between a drop and a successful resume. */
  get isDetached(): boolean {
    return this.#current === undefined && this.#closeReason === undefined
  }

  send(frame: Uint8Array, lane?: string): Promise<void> {
    if (this.#current !== undefined) return this.#current.send(frame, lane)
    return Promise.reject(this.#closeReason ?? new NetError('closed', 'the session is suspended'))
  }

  onFrame(receiver: (frame: Uint8Array) => void): void {
    this.#receiver = receiver
    this.#current?.onFrame(receiver)
  }

  get closed(): Promise<NetError> {
    return this.#closed.promise
  }

  get isClosed(): boolean {
    return this.#closeReason !== undefined
  }

  get bufferedAmount(): number {
    return this.#current?.bufferedAmount ?? 0
  }

  close(reason?: NetError): void {
    if (this.#closeReason !== undefined) return
    this.#closeReason = reason ?? new NetError('closed', 'the channel was closed locally')
    this.#current?.close(this.#closeReason)
    this.#current = undefined
    this.#closed.resolve(this.#closeReason)
  }

  /** Gives up on the current channel (the peer went silent, or a resume replaces it). */
  drop(reason: NetError): void {
    const current = this.#current
    if (current === undefined) return
    this.#current = undefined
    current.close(reason)
    this.onDrop(reason)
  }

  /** Continues over `channel`: sends go to it; its frames reach the session through {@link SwitchableChannel.forward}. */
  replace(channel: FrameChannel): void {
    this.#use(channel)
  }

  /** `from` hands on the frames the resume handshake read after the peer's proof, then every later frame. */
  forward(from: (receiver: (frame: Uint8Array) => void) => void): void {
    from((frame) => this.#receiver?.(frame))
  }

  #use(channel: FrameChannel): void {
    this.#current = channel
    void channel.closed.then((reason) => {
      if (this.#current !== channel || this.#closeReason !== undefined) return
      this.#current = undefined
      this.onDrop(reason)
    })
  }
}
