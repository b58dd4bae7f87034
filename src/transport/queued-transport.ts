import { NetError, peerSent } from '../base/errors.js'
import { waitForDrain, type DrainSource } from './drain.js'
import type { RawTransport, RawTransportSink } from './raw-transport.js'

/**
 * The bytes of a binary message, or undefined for anything else (a string, a Blob). Accepts an
 * ArrayBuffer from another realm too, which `instanceof` would miss.
 */
export function messageBytes(data: unknown): Uint8Array | undefined {
  if (ArrayBuffer.isView(data)) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength)
  if (data instanceof ArrayBuffer || Object.prototype.toString.call(data) === '[object ArrayBuffer]') {
    return new Uint8Array(data as ArrayBuffer)
  }
  return undefined
}

/** Why a non-binary message closes the channel; shared by the adapters. */
export function notBinaryError(data: unknown): NetError {
  const kind = typeof data === 'string' ? 'a text message' : `a ${Object.prototype.toString.call(data)} message`
  return peerSent(`${kind}; netbeam frames are binary`)
}

/** Whether a wire takes a chunk now, must wait for it to open, or is going away. */
export type WireState = 'open' | 'connecting' | 'closing'

/**
 * What an adapter tells {@link queuedTransport} about its transport; its quirks live here. The
 * messages are those of the NetError `closed` errors the queued transport reports.
 */
export interface Wire {
  /** Called once per send and once per flush. */
  state(): WireState
  /** Puts one chunk on the wire; only called while `state()` is `open`. */
  send(chunk: Uint8Array<ArrayBuffer>): void
  /** The wire's `send` copies the chunk before it returns (see {@link RawTransport.copiesOnSend}). */
  readonly copiesOnSend?: boolean
  /** Bytes queued in the transport itself. */
  readonly bufferedAmount: number
  /** Called at the start of every drain wait. */
  beforeDrain?(lowWater: number): void
  /** Subscribes to the transport's low-buffer event, if it has one; returns the unsubscribe. */
  onLow?(listener: () => void): () => void
  /** Removes the adapter's listeners from the transport. */
  detach(): void
  /** Closes the transport. */
  close(): void
  readonly messages: {
    /** The transport closed (or is closing when a chunk is sent). */
    readonly closed: string
    /** Sending the queued chunks on open threw. */
    readonly sendFailed: string
    /** `close()` was called. */
    readonly closedLocally: string
  }
}

/** A {@link RawTransport} plus what the adapter's listeners report into. */
export interface QueuedTransport {
  readonly transport: RawTransport
  /** One incoming message; anything but binary fails the transport. */
  received(data: unknown): void
  /** The transport opened: sends the queued chunks. */
  opened(): void
  /** The transport closed. */
  closed(): void
  /** Fails the transport: removes listeners, drops the queue, wakes drain waits, reports once. */
  fail(reason: NetError): void
  /**
   * Fails the transport on a microtask, for one already closed when wrapped.
   * Reported on a microtask: the framing layer is still being built around this transport.
   */
  failSoon(reason: () => NetError): void
}

/**
 * The machinery the adapters share: chunks sent before the wire opens wait in a queue and go out
 * in order on open; failing reports `sink.closed` once; drain waits wake on the wire's low-buffer
 * event, on open, and on close.
 */
export function queuedTransport(wire: Wire, sink: RawTransportSink, pollMs: number): QueuedTransport {
  return new WireQueue(wire, sink, pollMs)
}

class WireQueue implements QueuedTransport, RawTransport {
  readonly transport: RawTransport = this
  readonly copiesOnSend: boolean
  #done = false
  /** Chunks sent while the transport is still connecting; flushed in order on open. */
  #pending: Uint8Array<ArrayBuffer>[] = []
  #pendingBytes = 0
  readonly #closeWaiters = new Set<() => void>()
  /** Drain waits re-check when the queue above empties, since the transport fires no event for it. */
  readonly #flushWaiters = new Set<() => void>()

  constructor(
    private readonly wire: Wire,
    private readonly sink: RawTransportSink,
    private readonly pollMs: number,
  ) {
    this.copiesOnSend = wire.copiesOnSend === true
  }

  send(data: Uint8Array): void {
    if (this.#done) return
    // Chunks come fresh from the chunk codec, always backed by a plain ArrayBuffer.
    const chunk = data as Uint8Array<ArrayBuffer>
    const state = this.wire.state()
    if (state === 'closing') return this.fail(new NetError('closed', this.wire.messages.closed))
    if (this.#pending.length > 0 || state !== 'open') {
      // Held past this call, so the caller's (possibly reused) buffer is copied.
      this.#pending.push(this.copiesOnSend ? chunk.slice() : chunk)
      this.#pendingBytes += chunk.length
      this.opened()
      return
    }
    this.wire.send(chunk)
  }

  get bufferedAmount(): number {
    return this.#done ? 0 : this.#pendingBytes + this.wire.bufferedAmount
  }

  waitForDrain(lowWater: number): Promise<void> {
    this.wire.beforeDrain?.(lowWater)
    return waitForDrain(this.#drainSource(), lowWater, this.pollMs)
  }

  #drainSource(): DrainSource {
    const queue = this
    return {
      get bufferedAmount() {
        return queue.bufferedAmount
      },
      get isClosed() {
        return queue.#done
      },
      onLow: (listener) => {
        const offLow = this.wire.onLow?.(listener)
        this.#flushWaiters.add(listener)
        return () => {
          offLow?.()
          this.#flushWaiters.delete(listener)
        }
      },
      onClose: (listener) => {
        this.#closeWaiters.add(listener)
        return () => this.#closeWaiters.delete(listener)
      },
    }
  }

  close(): void {
    this.fail(new NetError('closed', this.wire.messages.closedLocally))
  }

  received(data: unknown): void {
    if (this.#done) return
    const bytes = messageBytes(data)
    if (bytes === undefined) this.fail(notBinaryError(data))
    else this.sink.message(bytes)
  }

  /** Sends the queued chunks if the wire is open (on open, and after queueing one). */
  opened(): void {
    if (this.#done || this.wire.state() !== 'open') return
    const queued = this.#pending
    this.#pending = []
    this.#pendingBytes = 0
    try {
      for (const chunk of queued) this.wire.send(chunk)
    } catch (err) {
      this.fail(new NetError('closed', this.wire.messages.sendFailed, { cause: err }))
    }
    for (const wake of this.#flushWaiters) wake()
  }

  closed(): void {
    this.fail(new NetError('closed', this.wire.messages.closed))
  }

  fail(reason: NetError): void {
    if (this.#done) return
    this.#done = true
    this.wire.detach()
    this.#pending = []
    this.#pendingBytes = 0
    for (const wake of this.#closeWaiters) wake()
    this.wire.close()
    this.sink.closed(reason)
  }

  failSoon(reason: () => NetError): void {
    queueMicrotask(() => this.fail(reason()))
  }
}
