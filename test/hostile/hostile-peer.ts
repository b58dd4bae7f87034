import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'
import { createFrameCodec } from '../../src/codec/codec.js'
import { encodePortFrame, encodeSessionFrame, PROTOCOL_VERSION } from '../../src/core/wire.js'
import type { SessionOptions } from '../../src/core/options.js'
import { NetError } from '../../src/base/errors.js'
import { Session } from '../../src/session.js'
import { fromDataChannel } from '../../src/transport/data-channel.js'
import { encodeFirst, encodeNext, encodeWhole } from '../../src/transport/chunk-codec.js'
import type { FrameChannel } from '../../src/transport/frame-channel.js'
import { FakeDataChannel } from '../helpers/fake-data-channel.js'

export const MiB = 1024 * 1024

/** The attacker's encoder: well-formed CBOR, with limits far above the victim's. */
const codec = createFrameCodec({ maxDepth: 64, maxItems: 10_000_000 })

export function portFrame(key: string, kind: string | undefined, message: unknown): Uint8Array {
  return codec.encode(encodePortFrame(key, kind, message))
}

/**
 * Port frames for keys `k00`, `k01`, … (up to 100), each carrying a `bytes`-byte Uint8Array: one
 * template encoded up front, copied and re-keyed per frame. Encoding each anew would leave the
 * attacker's encoder holding buffers as large, inside the victim's measured heap.
 */
export function bigFrames(bytes: number): (i: number) => Uint8Array {
  const template = portFrame('k00', 'exchange', new Uint8Array(bytes))
  const at = template.indexOf(0x6b) // the 'k' of the key, which comes before the payload
  return (i) => {
    const frame = template.slice()
    frame[at + 1] = 0x30 + Math.floor(i / 10)
    frame[at + 2] = 0x30 + (i % 10)
    return frame
  }
}

/** `count` empty maps: ~63 bytes of heap each once decoded, one byte each on the wire. */
export function emptyMaps(count: number): object[] {
  return Array.from({ length: count }, () => ({}))
}

/** A hostile peer that completed the handshake honestly, and its victim. */
export interface Attack {
  readonly dc: FakeDataChannel
  readonly channel: FrameChannel
  readonly victim: Session
  /** Sends one frame as a whole chunk. */
  send(frame: Uint8Array): void
}

/** Opens the victim (the leader, no clock burst, no heartbeat verdict) against a peer that says hello. */
export async function attack(options: SessionOptions = {}): Promise<Attack> {
  const dc = new FakeDataChannel()
  const channel = fromDataChannel(dc)
  const opening = Session.open(channel, { role: 'leader', clockBurst: 0, heartbeatMs: 60_000, timeoutMs: 120_000, ...options })
  const hello = { type: 'hello', version: PROTOCOL_VERSION, nonce: 0.5, round: 0, role: 'follower', maxFrameBytes: 0xffff_ffff } as const
  dc.deliver(encodeWhole(codec.encode(encodeSessionFrame(hello))))
  const victim = await opening
  return { dc, channel, victim, send: (frame) => dc.deliver(encodeWhole(frame)) }
}

/** Sends `frame` as a first chunk of `firstBytes` only (the frame never completes). */
export function firstChunk(id: number, total: number, firstBytes: number): Uint8Array {
  const chunk = encodeFirst(id, new Uint8Array(firstBytes + 1), firstBytes)
  new DataView(chunk.buffer).setUint32(5, total)
  return chunk
}

/** A later chunk of frame `id` carrying `bytes` bytes. */
export function nextChunk(id: number, bytes: number): Uint8Array {
  return encodeNext(id, new Uint8Array(bytes), 0, bytes)
}

/**
 * The heap (plus ArrayBuffers, where chunks live) the process gained since `start()`, measured
 * after full collections, and its peak over the samples taken.
 */
export class HeapMeter {
  readonly #gc: () => void
  #base = 0
  peak = 0

  constructor() {
    setFlagsFromString('--expose-gc')
    this.#gc = runInNewContext('gc') as () => void
  }

  #used(): number {
    this.#gc()
    this.#gc()
    const { heapUsed, arrayBuffers } = process.memoryUsage()
    return heapUsed + arrayBuffers
  }

  start(): void {
    this.#base = this.#used()
    this.peak = 0
  }

  /** Samples the growth; returns it. */
  sample(): number {
    const grown = this.#used() - this.#base
    if (grown > this.peak) this.peak = grown
    return grown
  }
}

/**
 * Runs `step` (one hostile message each) until the victim closes, the heap grew past `limit`
 * (the old code's fate: the test stops the attack before the process runs out of memory) or
 * `steps` ran out; samples the heap every `sampleEvery` steps. Returns the close reason, if any.
 */
export async function runAttack(
  a: Attack,
  meter: HeapMeter,
  limit: number,
  steps: number,
  sampleEvery: number,
  step: (i: number) => void,
): Promise<NetError | undefined> {
  let reason: NetError | undefined
  void a.victim.closed.then((r) => (reason = r))
  for (let i = 0; i < steps; i++) {
    step(i)
    if (a.victim.isClosed) break
    if ((i + 1) % sampleEvery === 0) {
      // Lets the victim's queued work (held-message drains, grants) run before measuring.
      await new Promise((resolve) => setImmediate(resolve))
      if (meter.sample() > limit) break
    }
  }
  meter.sample()
  await new Promise((resolve) => setImmediate(resolve))
  console.log(`heap growth peak ${(meter.peak / MiB).toFixed(1)} MiB (limit ${(limit / MiB).toFixed(1)} MiB), held at close ${a.victim.stats.heldBytes} B`)
  return reason ?? (a.victim.isClosed ? await a.victim.closed : undefined)
}

/** The reason a budget closed the session: NetError `protocol` naming `budget`. */
export function budgetClose(reason: NetError | undefined, budget: string): boolean {
  return reason instanceof NetError && reason.code === 'protocol' && reason.message.includes(budget)
}
