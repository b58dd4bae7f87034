import { NetError } from '../base/errors.js'
import { checkFunction, checkNumber, checkOptionsObject } from '../base/arguments.js'
import { resolveFrameChannelOptions, type FrameChannel, type FrameChannelOptions } from './frame-channel.js'
import { createFrameChannel } from './framed-channel.js'
import { later, type Cancel } from '../base/macrotask.js'
import type { RawTransport, RawTransportSink } from './raw-transport.js'
import { MAX_TIMER_MS } from '../base/unref-timer.js'

/** Options for {@link memoryPair}. */
export interface MemoryPairOptions extends FrameChannelOptions {
  /**
   * One-way delay of every message, in ms: a finite number ≥ 0.
   * @default 0
   */
  latencyMs?: number
  /**
   * Extra random delay per message, uniform in [0, jitterMs): a finite number ≥ 0. Order is
   * always kept.
   * @default 0
   */
  jitterMs?: number
  /**
   * The random source for jitter; pass a seeded one for replayable tests.
   * @default Math.random
   */
  random?: () => number
}

/** One end of a {@link memoryPair}, with knobs for tests. */
export interface MemoryFrameChannel extends FrameChannel {
  /** Stops delivering incoming messages to this end (a slow reader); the sender's buffer fills. */
  pause(): void
  /** Resumes delivery after {@link MemoryFrameChannel.pause}. */
  resume(): void
  /** Drops everything in both directions from now on without telling either end: a vanished peer. */
  sever(): void
}

interface InFlight {
  readonly data: Uint8Array
  readonly at: number
}

/** One direction of the pair: an ordered queue of messages with delivery times. */
class Link {
  readonly queue: InFlight[] = []
  bytes = 0
  lastAt = 0
  paused = false
  severed = false
  timer: Cancel | undefined
  sink: RawTransportSink | undefined
  drainWaiters = new Set<() => void>()
  closeAfterDelivery: NetError | undefined

  /** Sets a timer for the next message's delivery (or reports the close once all are delivered). */
  schedule(): void {
    if (this.timer !== undefined || this.paused || this.severed) return
    const head = this.queue[0]
    if (head === undefined) {
      if (this.closeAfterDelivery !== undefined) this.sink?.closed(this.closeAfterDelivery)
      return
    }
    this.timer = later(() => this.#deliver(), head.at - performance.now())
  }

  pause(): void {
    this.paused = true
    this.timer?.()
    this.timer = undefined
  }

  /** Drops everything from now on, without telling either end. */
  sever(): void {
    this.severed = true
    this.timer?.()
    this.queue.length = 0
    this.bytes = 0
    this.wakeDrainWaiters()
  }

  wakeDrainWaiters(): void {
    for (const wake of this.drainWaiters) wake()
  }

  #deliver(): void {
    this.timer = undefined
    const now = performance.now()
    while (!this.paused && !this.severed && this.queue.length > 0 && this.queue[0]!.at <= now) {
      const item = this.queue.shift()!
      this.bytes -= item.data.length
      this.sink?.message(item.data)
    }
    this.wakeDrainWaiters()
    this.schedule()
  }
}

/** One end's transport: sends into `out`, receives from `incoming`. */
class MemoryTransport implements RawTransport {
  readonly copiesOnSend = true
  #closed = false

  constructor(
    private readonly out: Link,
    incoming: Link,
    private readonly sink: RawTransportSink,
    /** The delay for the next message: latency plus jitter. */
    private readonly delay: () => number,
  ) {
    incoming.sink = { message: (data) => sink.message(data), closed: (reason) => this.#report(reason) }
  }

  send(data: Uint8Array): void {
    const { out } = this
    if (this.#closed || out.severed) return
    const at = Math.max(out.lastAt, performance.now() + this.delay())
    out.lastAt = at
    out.queue.push({ data: data.slice(), at })
    out.bytes += data.length
    out.schedule()
  }

  get bufferedAmount(): number {
    return this.out.bytes
  }

  waitForDrain(lowWater: number): Promise<void> {
    const { out } = this
    return new Promise<void>((resolve) => {
      const check = (): void => {
        if (this.#closed || out.severed || out.bytes <= lowWater) {
          out.drainWaiters.delete(check)
          resolve()
        }
      }
      out.drainWaiters.add(check)
      check()
    })
  }

  close(): void {
    if (this.#closed) return
    this.#report(new NetError('closed', 'the channel was closed locally'))
    this.out.wakeDrainWaiters()
    // The peer sees the close after everything already sent, like a FIN.
    this.out.closeAfterDelivery = new NetError('closed', 'the peer closed the channel')
    this.out.schedule()
  }

  #report(reason: NetError): void {
    if (this.#closed) return
    this.#closed = true
    this.sink.closed(reason)
  }
}

/**
 * Two connected in-memory {@link FrameChannel}s, for tests of protocols and of your own code.
 * Messages keep their order and arrive asynchronously after `latencyMs` plus jitter.
 *
 * @throws NetError `usage` for a bad option, naming it.
 * @example
 * ```ts
 * const [a, b] = memoryPair({ latencyMs: 5, jitterMs: 2 })
 * const [sa, sb] = await Promise.all([Session.open(a), Session.open(b)])
 * ```
 */
export function memoryPair(options: MemoryPairOptions = {}): [MemoryFrameChannel, MemoryFrameChannel] {
  checkMemoryPairOptions(options)
  const latency = options.latencyMs ?? 0
  const jitter = options.jitterMs ?? 0
  const random = options.random ?? Math.random
  const delay = (): number => latency + jitter * random()
  const links = [new Link(), new Link()] as const

  function end(out: Link, incoming: Link): MemoryFrameChannel {
    const channel = createFrameChannel((sink) => new MemoryTransport(out, incoming, sink, delay), options)
    return Object.assign(channel, {
      pause: () => incoming.pause(),
      resume() {
        incoming.paused = false
        incoming.schedule()
      },
      sever: () => links.forEach((link) => link.sever()),
    })
  }

  return [end(links[0], links[1]), end(links[1], links[0])]
}

function checkMemoryPairOptions(options: MemoryPairOptions): void {
  const given = checkOptionsObject('memoryPair', options)
  checkNumber('memoryPair', 'latencyMs', given.latencyMs, { min: 0, max: MAX_TIMER_MS })
  checkNumber('memoryPair', 'jitterMs', given.jitterMs, { min: 0, max: MAX_TIMER_MS })
  checkFunction('memoryPair', 'random', given.random, true)
  resolveFrameChannelOptions(options, 'memoryPair')
}
