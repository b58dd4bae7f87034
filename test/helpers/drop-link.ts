import { NetError } from '../../src/base/errors.js'
import { later, type Cancel } from '../../src/base/macrotask.js'
import { deferred } from '../../src/base/deferred.js'
import { createFrameChannel } from '../../src/transport/framed-channel.js'
import type { FrameChannel } from '../../src/transport/frame-channel.js'
import type { RawTransport, RawTransportSink } from '../../src/transport/raw-transport.js'
import type { CutBefore, CutHow, CutReport, DropInjectorOptions, DropLink } from './drop-injector.js'

/** The link behind {@link DropLink}: two raw transports under the framing layer, and the knife. */

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

export class Link {
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
