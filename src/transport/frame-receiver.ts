import { NetError } from '../base/errors.js'
import { Reassembler } from './chunk-codec.js'

/** Frames that arrive before the receiver is set are held, up to this many. */
const MAX_EARLY_FRAMES = 4096

/**
 * The receiving half of a frame channel: reassembles chunks into frames and hands each to the
 * receiver, holding the frames that arrive before a receiver is set.
 */
export class FrameReceiver {
  readonly #reassembler: Reassembler
  #receiver: ((frame: Uint8Array) => void) | undefined
  #early: Uint8Array[] = []
  #stopped = false

  /** `fail` is called when the peer's chunks are malformed or too many frames wait unread. */
  constructor(
    maxFrameBytes: number,
    private readonly fail: (reason: NetError) => void,
  ) {
    this.#reassembler = new Reassembler(maxFrameBytes)
  }

  /** One chunk from the transport. */
  push(chunk: Uint8Array): void {
    if (this.#stopped) return
    let frame: Uint8Array | undefined
    try {
      frame = this.#reassembler.push(chunk)
    } catch (err) {
      this.fail(err instanceof NetError ? err : new NetError('protocol', 'bad chunk', { cause: err }))
      return
    }
    if (frame === undefined) return
    if (this.#receiver !== undefined) this.#receiver(frame)
    else if (this.#early.length < MAX_EARLY_FRAMES) this.#early.push(frame)
    else this.fail(new NetError('protocol', `more than ${MAX_EARLY_FRAMES} frames arrived before anyone read them`))
  }

  /** Sets the receiver and hands it the frames held so far. */
  onFrame(next: (frame: Uint8Array) => void): void {
    this.#receiver = next
    const held = this.#early
    this.#early = []
    for (const frame of held) {
      if (this.#stopped) return
      next(frame)
    }
  }

  /** Drops what is held, unfinished frames included; later chunks are ignored. */
  stop(): void {
    this.#stopped = true
    this.#early = []
    this.#reassembler.clear()
  }
}
