import { NetError } from '../../src/base/errors.js'
import { later, type Cancel } from '../../src/base/macrotask.js'
import { deferred } from '../../src/base/deferred.js'
import { createFrameChannel } from '../../src/transport/framed-channel.js'
import type { FrameChannel, FrameChannelOptions } from '../../src/transport/frame-channel.js'
import type { RawTransport, RawTransportSink } from '../../src/transport/raw-transport.js'

/**
 * A memory FrameChannel pair whose link can be cut between two transport messages. The cut sits
 * under the framing layer (frame-sender / chunk-codec), so it falls at a frame boundary when the
 * next message is a whole frame and inside a chunked frame when it is one of its chunks. A cut
 * loses everything in flight (sent, not yet delivered) in both directions and every later send;
 * each end then sees its transport close abruptly (NetError `closed`), after its own delay.
 */

/** `abrupt`: each end sees its transport close; `silent`: nothing arrives any more and nobody is told. */
export type CutHow = 'abrupt' | 'silent'

/** What kind of transport message the cut fell before (chunk-codec.ts: kinds 0, 1, 2). */
export type CutBefore = 'whole' | 'first-chunk' | 'next-chunk'

/** Where a cut fell. */
export interface CutReport {
  /** How many messages the link carried (both directions) before the cut. */
  readonly afterMessages: number
  /** The message the cut fell before (it is lost), or undefined for {@link DropLink.cutNow}. */
  readonly before: CutBefore | undefined
  /** True when either end had sent part of a chunked frame and not its last chunk. */
  readonly insideChunkedFrame: boolean
  /** Messages that were on their way and are lost, both directions. */
  readonly lostInFlight: number
  readonly how: CutHow
}

/** One link: two FrameChannel ends and the knife. */
export interface DropLink {
  readonly ends: [FrameChannel, FrameChannel]
  /**
   * Cuts the link just before its `n`-th message from now (either direction; 1: the next one);
   * with `insideChunkedFrame`, before the `n`-th later chunk of a chunked frame (so the cut
   * always splits one). `how`: see {@link CutHow}. `cutAt(Infinity)` disarms.
   */
  cutAt(n: number, options?: { how?: CutHow; insideChunkedFrame?: boolean }): void
  /** Cuts the link now, between messages. */
  cutNow(how?: CutHow): void
  /** Resolves with where the cut fell, once it happened. */
  readonly cut: Promise<CutReport>
  /** True once cut. */
  readonly isCut: boolean
  /** Transport messages sent so far, both directions. */
  readonly messages: number
  /** Holds every message on its way to end `to` (0 or 1) until {@link DropLink.deliverHeld} or {@link DropLink.release}. */
  hold(to: 0 | 1): void
  /** Delivers, in one go, what is held for end `to`, and keeps holding what comes next. */
  deliverHeld(to: 0 | 1): void
  /** Stops holding: what is held for end `to` is delivered, and everything after it. */
  release(to: 0 | 1): void
}

export interface DropInjectorOptions extends FrameChannelOptions {
  /** One-way delay of each message, ms. @default 0 (next macrotask) */
  latencyMs?: number
  /** The seeded random source: draws how late each end hears of a cut. */
  random: () => number
  /** Each end hears of a cut after a delay uniform in [0, closeDelayMs). @default 5 */
  closeDelayMs?: number
}

/** Makes links: the first one, and a fresh one for every resume. */
export interface DropInjector {
  /** A fresh link; `overrides` change this link's options only (a resume may use another transport). */
  link(overrides?: Partial<Omit<DropInjectorOptions, 'random'>>): DropLink
}

export function dropInjector(options: DropInjectorOptions): DropInjector {
  return { link: (overrides = {}) => new Link({ ...options, ...overrides }).api() }
}

const KINDS: readonly CutBefore[] = ['whole', 'first-chunk', 'next-chunk']

/** One direction: messages in flight, in order, each with its delivery time. */
class Lane {
  readonly queue: { data: Uint8Array; at: number }[] = []
  bytes = 0
  lastAt = 0
  /** Senders waiting for this direction's buffer to drain. */
  readonly drainWaiters = new Set<() => void>()
  timer: Cancel | undefined
  sink: RawTransportSink | undefined
  /** Messages for the receiving end wait here until released (see DropLink.hold). */
  held = false
  /** Chunked frames this end started sending and has not finished: id → bytes still to send. */
  readonly open = new Map<number, number>()

  /** Records what `chunk` does to the chunked frames in progress. */
  track(chunk: Uint8Array): void {
    const view = new DataView(chunk.buffer, chunk.byteOffset, chunk.byteLength)
    if (chunk[0] === 1) this.open.set(view.getUint32(1), view.getUint32(5) - (chunk.length - 9))
    if (chunk[0] === 2) {
      const id = view.getUint32(1)
      const left = (this.open.get(id) ?? 0) - (chunk.length - 5)
      if (left > 0) this.open.set(id, left)
      else this.open.delete(id)
    }
  }
}

class Link {
  readonly #lanes = [new Lane(), new Lane()] as const
  readonly #closers: ((reason: NetError) => void)[] = []
  readonly #cut = deferred<CutReport>()
  #messages = 0
  #cutAt = Infinity
  #cutHow: CutHow = 'abrupt'
  /** Counts only later chunks of chunked frames toward {@link Link.#cutAt}. */
  #countChunks = false
  #chunks = 0
  #isCut = false
  readonly #ends: [FrameChannel, FrameChannel]

  constructor(private readonly options: DropInjectorOptions) {
    this.#ends = [this.#end(0), this.#end(1)]
  }

  api(): DropLink {
    const link = this
    return {
      ends: this.#ends,
      cutAt: (n, { how = 'abrupt', insideChunkedFrame = false } = {}) => {
        this.#countChunks = insideChunkedFrame
        this.#cutAt = (insideChunkedFrame ? this.#chunks : this.#messages) + Math.max(1, Math.floor(n))
        this.#cutHow = how
      },
      cutNow: (how = 'abrupt') => {
        this.#cutHow = how
        this.#cutBefore(undefined)
      },
      cut: this.#cut.promise,
      get isCut() {
        return link.#isCut
      },
      get messages() {
        return link.#messages
      },
      // Lane i carries end i's messages, so messages to end `to` travel in lane 1 - to.
      hold: (to) => void (this.#lanes[1 - to]!.held = true),
      deliverHeld: (to) => this.#deliver(this.#lanes[1 - to]!, true),
      release: (to) => {
        const lane = this.#lanes[1 - to]!
        lane.held = false
        this.#schedule(lane)
      },
    }
  }

  #end(side: 0 | 1): FrameChannel {
    const out = this.#lanes[side]
    const incoming = this.#lanes[1 - side]!
    return createFrameChannel((sink) => {
      incoming.sink = sink
      let closed = false
      const close = (reason: NetError): void => {
        if (closed) return
        closed = true
        sink.closed(reason)
      }
      this.#closers[side] = close
      const transport: RawTransport = {
        copiesOnSend: true,
        send: (data) => {
          if (closed || this.#isCut) return
          const count = this.#countChunks ? this.#chunks + (data[0] === 2 ? 1 : 0) : this.#messages + 1
          if (count >= this.#cutAt) return this.#cutBefore(data)
          this.#messages++
          if (data[0] === 2) this.#chunks++
          out.track(data)
          this.#enqueue(out, data.slice())
        },
        get bufferedAmount() {
          return out.bytes
        },
        waitForDrain: (lowWater) =>
          new Promise<void>((resolve) => {
            const check = (): void => {
              if (!closed && !this.#isCut && out.bytes > lowWater) return
              out.drainWaiters.delete(check)
              resolve()
            }
            out.drainWaiters.add(check)
            check()
          }),
        close: () => {
          close(new NetError('closed', 'the channel was closed locally'))
          // Closing one end of a live link is a clean close: the peer hears of it after the data.
          if (!this.#isCut) this.#enqueueClose(out)
        },
      }
      return transport
    }, this.options)
  }

  #enqueue(lane: Lane, data: Uint8Array): void {
    const at = Math.max(lane.lastAt, performance.now() + (this.options.latencyMs ?? 0))
    lane.lastAt = at
    lane.bytes += data.length
    lane.queue.push({ data, at })
    this.#schedule(lane)
  }

  #enqueueClose(lane: Lane): void {
    lane.queue.push({ data: new Uint8Array(0), at: lane.lastAt })
    this.#schedule(lane)
  }

  #schedule(lane: Lane): void {
    if (lane.timer !== undefined || this.#isCut || lane.held) return
    const head = lane.queue[0]
    if (head === undefined) return
    lane.timer = later(() => this.#deliver(lane), head.at - performance.now())
  }

  #deliver(lane: Lane, all = false): void {
    lane.timer = undefined
    if (lane.held && !all) return
    const now = performance.now()
    while (!this.#isCut && lane.queue.length > 0 && (all || lane.queue[0]!.at <= now)) {
      const { data } = lane.queue.shift()!
      lane.bytes -= data.length
      if (data.length === 0) lane.sink?.closed(new NetError('closed', 'the peer closed the channel'))
      else lane.sink?.message(data)
    }
    for (const wake of lane.drainWaiters) wake()
    this.#schedule(lane)
  }

  /** Cuts the link before `data` (lost with everything in flight); each end hears of it later. */
  #cutBefore(data: Uint8Array | undefined): void {
    if (this.#isCut) return
    this.#isCut = true
    const lostInFlight = this.#lanes.reduce((n, lane) => n + lane.queue.length, 0) + (data === undefined ? 0 : 1)
    const insideChunkedFrame = data?.[0] === 2 || this.#lanes.some((lane) => lane.open.size > 0)
    for (const lane of this.#lanes) {
      lane.timer?.()
      lane.timer = undefined
      lane.queue.length = 0
      lane.bytes = 0
      for (const wake of lane.drainWaiters) wake()
    }
    const how = this.#cutHow
    this.#cut.resolve({ afterMessages: this.#messages, before: data === undefined ? undefined : KINDS[data[0]!], insideChunkedFrame, lostInFlight, how })
    if (how === 'silent') return
    const closeDelay = this.options.closeDelayMs ?? 5
    for (const close of this.#closers) {
      later(() => close(new NetError('closed', 'the link was cut')), this.options.random() * closeDelay)
    }
  }
}
