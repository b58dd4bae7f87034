/**
 * A fake RTCDataChannel whose far end the test controls chunk by chunk, for driving a hostile
 * peer through the real `fromDataChannel` adapter (chunking, reassembly, backpressure and all).
 * `fakeDataChannelLink` joins two of them through a hook that may rewrite what crosses.
 */
import { Encoder } from 'cbor-x'
import { fromDataChannel, type DataChannelLike } from '../../src/transport/data-channel.js'
import { createFrameCodec } from '../../src/codec/codec.js'
import { defaultNow } from '../../src/clock/local-clock.js'
import type { SessionOptions } from '../../src/core/options.js'
import { PROTOCOL_VERSION } from '../../src/core/wire.js'
import { encodeWhole } from '../../src/transport/chunk-codec.js'
import { Session } from '../../src/session.js'

type Listener = (event: { readonly type: string; readonly data?: unknown; readonly error?: unknown }) => void

/**
 * An open RTCDataChannel whose far end is the test: `deliver` hands the adapter one chunk in an
 * ArrayBuffer of its own, as a real channel does; what the adapter sends goes to `onSent` (dropped
 * unless the test sets it).
 */
export class FakeDataChannel implements DataChannelLike {
  readyState = 'open'
  readonly ordered = true
  binaryType = 'blob'
  bufferedAmount = 0
  bufferedAmountLowThreshold = 0
  /** Called with a copy of every chunk the adapter sends (the far end reads them here). */
  onSent: (chunk: Uint8Array) => void = () => {}
  /** Called once when the adapter closes this end. */
  onClosed: () => void = () => {}
  readonly #listeners = new Map<string, Set<Listener>>()

  send(data: Uint8Array<ArrayBuffer>): void {
    if (this.readyState !== 'open') throw new Error('InvalidStateError: the data channel is not open')
    this.onSent(Uint8Array.from(data))
  }

  close(): void {
    if (this.readyState === 'closed') return
    this.readyState = 'closed'
    this.onClosed()
    // As in a browser, the close event comes in a later task.
    setTimeout(() => this.#dispatch('close', {}), 0)
  }

  addEventListener(type: string, listener: Listener): void {
    let set = this.#listeners.get(type)
    if (set === undefined) this.#listeners.set(type, (set = new Set()))
    set.add(listener)
  }

  removeEventListener(type: string, listener: Listener): void {
    this.#listeners.get(type)?.delete(listener)
  }

  /** The far end sends one chunk (an ArrayBuffer of its own, as a real channel delivers). */
  deliver(chunk: Uint8Array): void {
    if (this.readyState !== 'open') return
    const data = chunk.buffer.slice(chunk.byteOffset, chunk.byteOffset + chunk.byteLength)
    this.#dispatch('message', { data })
  }

  #dispatch(type: string, fields: { data?: unknown }): void {
    for (const listener of [...(this.#listeners.get(type) ?? [])]) listener({ type, ...fields })
  }
}

// A raw encoder, to craft what a hostile peer could send (the library's codec would refuse some).
const raw = new Encoder({ useRecords: false, mapsAsObjects: true, tagUint8Array: false })
const codec = createFrameCodec({ maxDepth: 64, maxItems: 1_000_000 })

/** A frame as the far end's whole chunk. */
export function wholeChunk(frame: unknown): Uint8Array {
  return encodeWhole(raw.encode(frame))
}

/** The session frame in a whole chunk the adapter sent, or undefined for any other chunk. */
export function frameOf(chunk: Uint8Array): unknown[] | undefined {
  return chunk[0] === 0 ? (codec.decode(chunk.subarray(1)) as unknown[]) : undefined
}

/**
 * Two fake channels joined end to end: what one sends, the other receives in a later task,
 * after `tamper` (which may rewrite the decoded frame of a whole chunk) had its say.
 */
export function fakeDataChannelLink(tamper: (frame: unknown[], from: 'a' | 'b') => unknown[] = (f) => f): { a: FakeDataChannel; b: FakeDataChannel } {
  const a = new FakeDataChannel()
  const b = new FakeDataChannel()
  const wire = (from: FakeDataChannel, to: FakeDataChannel, name: 'a' | 'b'): void => {
    from.onSent = (chunk) => {
      const frame = frameOf(chunk)
      const out = frame === undefined ? chunk : wholeChunk(tamper(frame, name))
      setImmediate(() => to.deliver(out))
    }
    from.onClosed = () => setImmediate(() => to.close())
  }
  wire(a, b, 'a')
  wire(b, a, 'b')
  return { a, b }
}

/** A real session over a fake channel, and the test's hand-written peer on the far end. */
export interface RawVictim {
  readonly dc: FakeDataChannel
  readonly session: Session
  /** The peer's clock stamps `[t1, t2]` for its next pongs: honest until the test changes it. */
  stamps: () => [number, number]
  /** Called with every frame the victim sends but a hello, ping, pong or bye. */
  onFrame: (frame: unknown[]) => void
  /** The far end sends `frame` in a later task. */
  send(frame: unknown[]): void
  /** Resolves once the victim has handled everything sent so far (it answered a ping), or closed. */
  settled(): Promise<void>
}

/**
 * Opens a session (as follower) over a fake channel whose peer answers the handshake and every
 * ping honestly, and bye with bye: the hostile part is up to the test.
 */
export async function openRawVictim(options: SessionOptions = {}): Promise<RawVictim> {
  const dc = new FakeDataChannel()
  const later = (frame: unknown[]): void => void setImmediate(() => dc.deliver(wholeChunk(frame)))
  const pongWaiters = new Map<number, () => void>()
  let nextPingId = 1_000_000
  const peer: Omit<RawVictim, 'session'> = {
    dc,
    stamps: () => [defaultNow(), defaultNow()],
    onFrame: () => {},
    send: later,
    settled: () => {
      const id = nextPingId++
      const answered = new Promise<void>((resolve) => pongWaiters.set(id, resolve))
      later([1, id, 0])
      return Promise.race([answered, session.closed.then(() => {})])
    },
  }
  dc.onSent = (chunk) => {
    const f = frameOf(chunk)
    if (f === undefined) return
    if (f[0] === 0) later([0, PROTOCOL_VERSION, 1, 0, 'leader', 1 << 20])
    else if (f[0] === 1) later([2, f[1], f[2], ...peer.stamps()])
    else if (f[0] === 2) pongWaiters.get(f[1] as number)?.()
    else if (f[0] === 3) later([3, 'closed', 'answer'])
    else peer.onFrame(f)
  }
  const session = await Session.open(fromDataChannel(dc), { clockBurst: 2, ...options, role: 'follower' })
  return Object.assign(peer, { session })
}
