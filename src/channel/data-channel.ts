import { NetError } from '../errors.js'
import { waitForDrain } from './drain.js'
import { resolveFrameChannelOptions, type FrameChannel, type FrameChannelOptions } from './frame-channel.js'
import { createFrameChannel } from './framed-channel.js'
import type { RawTransport, RawTransportSink } from './raw-transport.js'

/** What the adapters read from a DOM-style event (a message's `data`, an error's `error`). */
export interface ChannelEvent {
  readonly type: string
  readonly data?: unknown
  readonly error?: unknown
}

/** A DOM-style event listener. */
export type ChannelEventListener = (event: ChannelEvent) => void

/**
 * The parts of an `RTCDataChannel` netbeam uses. The browser's channel, @roamhq/wrtc's and
 * node-datachannel's polyfill (`node-datachannel/polyfill`) all satisfy it.
 */
export interface DataChannelLike {
  readonly readyState: string
  /** `false` is refused: netbeam needs ordered delivery. */
  readonly ordered?: boolean
  /** A number is refused: netbeam needs reliable delivery. */
  readonly maxRetransmits?: number | null
  /** A number is refused: netbeam needs reliable delivery. */
  readonly maxPacketLifeTime?: number | null
  binaryType: string
  readonly bufferedAmount: number
  bufferedAmountLowThreshold?: number
  send(data: Uint8Array<ArrayBuffer>): void
  close(): void
  addEventListener(type: string, listener: ChannelEventListener): void
  removeEventListener(type: string, listener: ChannelEventListener): void
}

/** @roamhq/wrtc reports 65535 (the unsigned-short maximum) for "not set". */
const UNSET_RELIABILITY = 65535

/**
 * Wraps an ordered, reliable RTCDataChannel as a {@link FrameChannel}. The channel may still be
 * `connecting`: sends wait for `open`. Closing the FrameChannel closes the data channel (not the
 * peer connection).
 *
 * @throws NetError `usage` when the channel is unordered or partially reliable.
 * @example
 * ```ts
 * const dc = pc.createDataChannel('netbeam') // ordered and reliable by default
 * const session = await Session.open(fromDataChannel(dc))
 * ```
 */
export function fromDataChannel(dc: DataChannelLike, options: FrameChannelOptions = {}): FrameChannel {
  refuseUnreliable(dc)
  const { drainPollMs } = resolveFrameChannelOptions(options)
  // Blob is the browser default, and reading a Blob is async, which would break frame order.
  dc.binaryType = 'arraybuffer'
  return createFrameChannel((sink) => dataChannelTransport(dc, sink, drainPollMs), options)
}

function refuseUnreliable(dc: DataChannelLike): void {
  const refuse = (property: string, value: unknown): NetError =>
    new NetError(
      'usage',
      `fromDataChannel needs an ordered, reliable channel, but this one has ${property}: ${String(value)}; ` +
        `create it without ${property}`,
    )
  if (dc.ordered === false) throw refuse('ordered', false)
  if (isSet(dc.maxRetransmits)) throw refuse('maxRetransmits', dc.maxRetransmits)
  if (isSet(dc.maxPacketLifeTime)) throw refuse('maxPacketLifeTime', dc.maxPacketLifeTime)
}

function isSet(value: number | null | undefined): boolean {
  return value !== null && value !== undefined && value !== UNSET_RELIABILITY
}

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
  return new NetError('protocol', `peer sent ${kind}; netbeam frames are binary`)
}

function dataChannelTransport(dc: DataChannelLike, sink: RawTransportSink, pollMs: number): RawTransport {
  let done = false
  // Chunks sent while the channel is still connecting; flushed in order on open.
  let pending: Uint8Array<ArrayBuffer>[] = []
  let pendingBytes = 0
  const closeWaiters = new Set<() => void>()
  // Drain waits re-check when the queue above empties, since only the channel fires an event.
  const lowWaiters = new Set<() => void>()

  const onMessage: ChannelEventListener = (event) => {
    if (done) return
    const bytes = messageBytes(event.data)
    if (bytes === undefined) fail(notBinaryError(event.data))
    else sink.message(bytes)
  }
  const onOpen: ChannelEventListener = () => flush()
  const onClose: ChannelEventListener = () => fail(new NetError('closed', 'the data channel closed'))
  const onError: ChannelEventListener = (event) =>
    fail(new NetError('closed', 'the data channel failed', { cause: event.error ?? event }))
  const listeners: [string, ChannelEventListener][] = [
    ['message', onMessage],
    ['open', onOpen],
    ['close', onClose],
    // The peer started closing: nothing more will arrive, and Chromium may sit in `closing`.
    ['closing', onClose],
    ['error', onError],
  ]
  for (const [type, listener] of listeners) dc.addEventListener(type, listener)
  if (dc.readyState === 'closing' || dc.readyState === 'closed') {
    // Reported on a microtask: the framing layer is still being built around this transport.
    queueMicrotask(() => fail(new NetError('closed', `the data channel was already ${dc.readyState}`)))
  }

  function flush(): void {
    if (done || dc.readyState !== 'open') return
    const queued = pending
    pending = []
    pendingBytes = 0
    try {
      for (const chunk of queued) dc.send(chunk)
    } catch (err) {
      fail(new NetError('closed', 'the data channel failed to send', { cause: err }))
    }
    for (const wake of lowWaiters) wake()
  }

  function fail(reason: NetError): void {
    if (done) return
    done = true
    for (const [type, listener] of listeners) dc.removeEventListener(type, listener)
    pending = []
    pendingBytes = 0
    for (const wake of closeWaiters) wake()
    try {
      dc.close()
    } catch {
      // Closing a channel whose connection already went away may throw; it is closed either way.
    }
    sink.closed(reason)
  }

  const transport: RawTransport = {
    send(data) {
      if (done) return
      // Chunks come fresh from the chunk codec, always backed by a plain ArrayBuffer.
      const chunk = data as Uint8Array<ArrayBuffer>
      // Read once: @roamhq/wrtc answers every property read with a call into its network thread.
      const state = dc.readyState
      // Sending on a closing channel throws; its close event may still be a task away.
      if (state === 'closing' || state === 'closed') return onClose({ type: 'closing' })
      if (pending.length > 0 || state !== 'open') {
        pending.push(chunk)
        pendingBytes += chunk.length
        flush()
        return
      }
      dc.send(chunk)
    },
    get bufferedAmount() {
      return done ? 0 : pendingBytes + dc.bufferedAmount
    },
    waitForDrain(lowWater) {
      // The event fires only when the buffer drops below the threshold, so set it to ours.
      dc.bufferedAmountLowThreshold = lowWater
      return waitForDrain(
        {
          get bufferedAmount() {
            return transport.bufferedAmount
          },
          onLow(listener) {
            dc.addEventListener('bufferedamountlow', listener)
            lowWaiters.add(listener)
            return () => {
              dc.removeEventListener('bufferedamountlow', listener)
              lowWaiters.delete(listener)
            }
          },
          onClose(listener) {
            closeWaiters.add(listener)
            return () => closeWaiters.delete(listener)
          },
          get isClosed() {
            return done
          },
        },
        lowWater,
        pollMs,
      )
    },
    close() {
      fail(new NetError('closed', 'the data channel was closed locally'))
    },
  }
  return transport
}
