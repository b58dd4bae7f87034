import type { FrameChannel } from '../transport/frame-channel.js'
import type { NetError } from '../base/errors.js'
import { unrefTimer } from '../base/unref-timer.js'

/** How a closing session parts from its peer. */
export type Parting =
  /** This side closes first: it says `bye` and keeps the channel open until the peer answers. */
  | 'initiate'
  /** The peer's `bye` arrived first: answer it, and let the peer close the channel. */
  | 'answer'
  /** The peer may not be there (silent, or never said hello): say `bye` and close without waiting. */
  | 'abandon'
  /** The channel closed under the session: nothing can be said. */
  | 'silent'

/** How long an `abandon` waits for its `bye` to be handed to the transport (a full buffer may hold it). */
const ABANDON_MS = 1000

/**
 * The close handshake of a session's channel.
 *
 * Why: a transport may drop what arrives together with the close of the channel. node-datachannel
 * hands a data channel's messages and its close to JavaScript through separate queues, and when
 * the close goes first it discards the messages still queued; so a side that closed right after
 * its `bye` sometimes lost it, and with it whatever it sent just before. So the side that closes
 * first keeps its channel open until the peer's `bye` answers its own (the peer has then read
 * everything before it), and the answering side keeps its end open until the first side has
 * closed; each wait bounded by `lingerMs`. When both close at once, both initiated, and each
 * closes on the other's `bye`.
 */
export class Goodbye {
  /** Set while this side's `bye` waits for the peer's answer: closes the channel. */
  #close: (() => void) | undefined

  constructor(
    private readonly channel: FrameChannel,
    private readonly lingerMs: number,
  ) {}

  /** True while this side's `bye` waits for the peer's: a `bye` arriving now is that answer. */
  get awaitsAnswer(): boolean {
    return this.#close !== undefined
  }

  /**
   * The peer's `bye` arrived after ours: it has read everything before our `bye` and is closing
   * too, so close now (within this frame's task, before the transport can report the peer's close).
   */
  answered(): void {
    this.#close?.()
  }

  /**
   * Closes the channel with `reason` once the handshake `how` allows. `sendBye` sends this side's
   * `bye` and never throws (a failure rejects the promise, and the channel is closed at once).
   */
  part(how: Parting, reason: NetError, sendBye: () => Promise<void>): void {
    const channel = this.channel
    if (how === 'silent' || channel.isClosed) return channel.close(reason)
    let timer: ReturnType<typeof setTimeout> | undefined
    const close = (): void => {
      clearTimeout(timer)
      this.#close = undefined
      channel.close(reason)
    }
    if (how === 'initiate') this.#close = close
    timer = setTimeout(close, how === 'abandon' ? Math.min(ABANDON_MS, this.lingerMs) : this.lingerMs)
    unrefTimer(timer)
    const sent = sendBye()
    // Abandoning: close once the transport took the bye. Otherwise the peer closes its end, or
    // (initiating) answers first; either way the channel closes with this side's reason.
    const done = how === 'abandon' ? sent : sent.then(() => channel.closed)
    done.then(close, close)
  }
}
