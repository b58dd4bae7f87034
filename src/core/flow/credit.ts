import { peerSent } from '../../base/errors.js'

/** One message's share of the send credit. */
export interface Spent {
  readonly weight: number
  /** This message used up the byte credit: the receiver grants as soon as it is taken. */
  readonly wait: boolean
}

/**
 * The sending side's view of the peer's window: how much it announced and how much of it is in
 * use (sent and not yet granted back). Spent by message count and by measured bytes.
 */
export class SendCredit {
  #window = 0
  #windowBytes = 0
  #count = 0
  #bytes = 0
  /** Each message sent and not yet granted back, oldest first. */
  readonly #spent: Spent[] = []

  /** The peer's hello: its whole window is this side's first credit. */
  open(window: number, windowBytes: number): void {
    this.#window = window
    this.#windowBytes = windowBytes
  }

  /**
   * True while another message may go. A message may overshoot the byte window (it only needs
   * some of it left), so a value larger than the whole window still gets through, alone.
   */
  get available(): boolean {
    return this.#count < this.#window && this.#bytes < this.#windowBytes
  }

  /**
   * Spends credit on one message. `wait` is true when that used up the byte credit (the message's
   * `wait` flag); the returned entry identifies the message for {@link refund}.
   */
  spend(weight: number): Spent {
    this.#count++
    this.#bytes += weight
    const spent: Spent = { weight, wait: this.#bytes >= this.#windowBytes }
    this.#spent.push(spent)
    return spent
  }

  /**
   * Takes back the credit of a message the codec refused, so it never went. Later messages may
   * have been spent on meanwhile (sends are pipelined); the peer never counts the refused one.
   */
  refund(spent: Spent): void {
    const at = this.#spent.lastIndexOf(spent)
    if (at < 0) return
    this.#spent.splice(at, 1)
    this.#count--
    this.#bytes -= spent.weight
  }

  /** The peer's reader took `n` more messages; throws NetError `protocol` if it never got that many. */
  grant(n: number): void {
    if (n > this.#spent.length) throw peerSent('credit on a channel or rpc stream for messages it never received')
    this.#count -= n
    for (const spent of this.#spent.splice(0, n)) this.#bytes -= spent.weight
  }
}

/**
 * The receiving side's credit bookkeeping: checks that the peer stays within the window and
 * decides when to grant. Grants are batched (half the window, by count or by bytes) so that
 * credit costs about one message per half window of data.
 */
export class ReceiveCredit {
  /** Received and not yet granted back: never more than the window. */
  #outstanding = 0
  /** Their measured bytes: a message may only arrive while this is below `windowBytes`. */
  #outstandingBytes = 0
  #taken = 0
  #takenBytes = 0
  readonly #grantEvery: number
  readonly #grantEveryBytes: number

  constructor(
    private readonly window: number,
    private readonly windowBytes: number,
  ) {
    this.#grantEvery = Math.ceil(window / 2)
    this.#grantEveryBytes = Math.ceil(windowBytes / 2)
  }

  /**
   * One data message of `weight` measured bytes arrived; throws NetError `protocol` if the peer
   * had no credit for it. The sender measures its values the same way and sends only while what
   * it has outstanding is below the byte window, so an honest peer never fails the byte check.
   */
  received(weight: number): void {
    if (this.#outstanding >= this.window) {
      throw peerSent(`more than the ${this.window} messages it had credit for on a channel or rpc stream`)
    }
    if (this.#outstandingBytes >= this.windowBytes) {
      throw peerSent(`more than the ${this.windowBytes} bytes it had credit for on a channel or rpc stream (windowBytes)`)
    }
    this.#outstanding++
    this.#outstandingBytes += weight
  }

  /**
   * The reader took a message; returns how many messages to grant now (0: keep batching). A
   * `wait` message is granted at once: its sender is out of byte credit, and the two sides'
   * byte measures could differ for exotic values.
   */
  taken(weight: number, wait: boolean): number {
    this.#taken++
    this.#takenBytes += weight
    if (!wait && this.#taken < this.#grantEvery && this.#takenBytes < this.#grantEveryBytes) return 0
    const n = this.#taken
    this.#outstanding -= n
    this.#outstandingBytes -= this.#takenBytes
    this.#taken = 0
    this.#takenBytes = 0
    return n
  }
}
