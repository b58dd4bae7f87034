import { NetError } from '../base/errors.js'
import { checkFunction, checkNumber, checkOptionsObject } from '../base/arguments.js'
import { MAX_TIMER_MS, resolveFrameChannelOptions, type FrameChannel, type FrameChannelOptions } from './frame-channel.js'
import { createFrameChannel } from './framed-channel.js'
import { later, type Cancel } from '../base/macrotask.js'
import type { RawTransport, RawTransportSink } from './raw-transport.js'

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
  const aToB = new Link()
  const bToA = new Link()

  function schedule(link: Link): void {
    if (link.timer !== undefined || link.paused || link.severed) return
    const head = link.queue[0]
    if (head === undefined) {
      if (link.closeAfterDelivery !== undefined) link.sink?.closed(link.closeAfterDelivery)
      return
    }
    link.timer = later(() => deliver(link), head.at - performance.now())
  }

  function deliver(link: Link): void {
    link.timer = undefined
    const now = performance.now()
    while (!link.paused && !link.severed && link.queue.length > 0 && link.queue[0]!.at <= now) {
      const item = link.queue.shift()!
      link.bytes -= item.data.length
      link.sink?.message(item.data)
    }
    for (const wake of link.drainWaiters) wake()
    schedule(link)
  }

  function end(out: Link, incoming: Link): MemoryFrameChannel {
    let closed = false
    const channel = createFrameChannel((sink): RawTransport => {
      incoming.sink = {
        message: (data) => sink.message(data),
        closed: (reason) => {
          if (closed) return
          closed = true
          sink.closed(reason)
        },
      }
      return {
        copiesOnSend: true,
        send(data) {
          if (closed || out.severed) return
          const at = Math.max(out.lastAt, performance.now() + latency + jitter * random())
          out.lastAt = at
          out.queue.push({ data: data.slice(), at })
          out.bytes += data.length
          schedule(out)
        },
        get bufferedAmount() {
          return out.bytes
        },
        waitForDrain(lowWater) {
          return new Promise<void>((resolve) => {
            const check = (): void => {
              if (closed || out.severed || out.bytes <= lowWater) {
                out.drainWaiters.delete(check)
                resolve()
              }
            }
            out.drainWaiters.add(check)
            check()
          })
        },
        close() {
          if (closed) return
          closed = true
          sink.closed(new NetError('closed', 'the channel was closed locally'))
          for (const wake of out.drainWaiters) wake()
          // The peer sees the close after everything already sent, like a FIN.
          out.closeAfterDelivery = new NetError('closed', 'the peer closed the channel')
          schedule(out)
        },
      }
    }, options)
    return Object.assign(channel, {
      pause() {
        incoming.paused = true
        incoming.timer?.()
        incoming.timer = undefined
      },
      resume() {
        incoming.paused = false
        schedule(incoming)
      },
      sever() {
        for (const link of [aToB, bToA]) {
          link.severed = true
          link.timer?.()
          link.queue.length = 0
          link.bytes = 0
          for (const wake of link.drainWaiters) wake()
        }
      },
    })
  }

  return [end(aToB, bToA), end(bToA, aToB)]
}

function checkMemoryPairOptions(options: MemoryPairOptions): void {
  const given = checkOptionsObject('memoryPair', options)
  checkNumber('memoryPair', 'latencyMs', given.latencyMs, { min: 0, max: MAX_TIMER_MS })
  checkNumber('memoryPair', 'jitterMs', given.jitterMs, { min: 0, max: MAX_TIMER_MS })
  checkFunction('memoryPair', 'random', given.random, true)
  resolveFrameChannelOptions(options, 'memoryPair')
}
