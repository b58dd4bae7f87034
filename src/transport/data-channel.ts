import { NetError } from '../base/errors.js'
import { checkShape } from '../base/arguments.js'
import { resolveFrameChannelOptions, type FrameChannel, type FrameChannelOptions } from './frame-channel.js'
import { createFrameChannel } from './framed-channel.js'
import { queuedTransport, type Wire } from './queued-transport.js'
import type { RawTransport, RawTransportSink } from './raw-transport.js'

export { messageBytes, notBinaryError } from './queued-transport.js'

/**
 * A DOM-style event listener, reading what the adapters need from the event (a message's `data`,
 * an error's `error`). Internal: the public `…Like` interfaces spell the same type out, so the
 * package's types name nothing the README does not document.
 */
export type ChannelEventListener = (event: { readonly type: string; readonly data?: unknown; readonly error?: unknown }) => void

/**
 * The parts of an `RTCDataChannel` netbeam uses. The browser's channel, @roamhq/wrtc's and
 * node-datachannel's polyfill (`node-datachannel/polyfill`) all satisfy it.
 */
export interface DataChannelLike {
  /** `'connecting'`, `'open'`, `'closing'` or `'closed'`. */
  readonly readyState: string
  /** `false` is refused: netbeam needs ordered delivery. */
  readonly ordered?: boolean
  /** A number is refused: netbeam needs reliable delivery. */
  readonly maxRetransmits?: number | null
  /** A number is refused: netbeam needs reliable delivery. */
  readonly maxPacketLifeTime?: number | null
  /** Set to `'arraybuffer'` by the adapter. */
  binaryType: string
  /** Bytes queued to send; the adapter's backpressure reads it. */
  readonly bufferedAmount: number
  /** Set by the adapter, so that `bufferedamountlow` wakes waiting sends. */
  bufferedAmountLowThreshold?: number
  /** Sends one chunk. */
  send(data: Uint8Array<ArrayBuffer>): void
  /** Closes the channel (when the FrameChannel closes). */
  close(): void
  /** `open`, `message`, `close`, `error` and `bufferedamountlow` are listened to. */
  addEventListener(type: string, listener: (event: { readonly type: string; readonly data?: unknown; readonly error?: unknown }) => void): void
  /** Removes what `addEventListener` added (when the FrameChannel closes). */
  removeEventListener(type: string, listener: (event: { readonly type: string; readonly data?: unknown; readonly error?: unknown }) => void): void
}

/** @roamhq/wrtc reports 65535 (the unsigned-short maximum) for "not set". */
const UNSET_RELIABILITY = 65535

/**
 * Wraps an ordered, reliable RTCDataChannel as a {@link FrameChannel}. The channel may still be
 * `connecting`: sends wait for `open`. Closing the FrameChannel closes the data channel (not the
 * peer connection).
 *
 * @throws NetError `usage` when the channel is unordered or partially reliable, when `dc` is not a
 * data channel, or for a bad option (see {@link FrameChannelOptions}).
 * @example
 * ```ts
 * const dc = pc.createDataChannel('netbeam') // ordered and reliable by default
 * const session = await Session.open(fromDataChannel(dc))
 * ```
 */
export function fromDataChannel(dc: DataChannelLike, options: FrameChannelOptions = {}): FrameChannel {
  checkShape('fromDataChannel', 'dc', dc, 'an RTCDataChannel', ['send', 'close', 'addEventListener', 'removeEventListener'])
  const { drainPollMs } = resolveFrameChannelOptions(options, 'fromDataChannel')
  refuseUnreliable(dc)
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

function dataChannelTransport(dc: DataChannelLike, sink: RawTransportSink, pollMs: number): RawTransport {
  // Kept from events rather than read per send: @roamhq/wrtc answers every property read with a
  // call into its network thread (~50 µs). A channel that starts closing before its event shows
  // up makes `send` throw, which closes this transport all the same.
  let state = wireState(dc.readyState)
  const queued = queuedTransport(
    {
      state: () => state,
      send: (chunk) => dc.send(chunk),
      // Browsers, @roamhq/wrtc and node-datachannel all copy the bytes into their send queue.
      copiesOnSend: true,
      get bufferedAmount() {
        return dc.bufferedAmount
      },
      beforeDrain(lowWater) {
        // The event fires only when the buffer drops below the threshold, so set it to ours.
        dc.bufferedAmountLowThreshold = lowWater
      },
      onLow(listener) {
        dc.addEventListener('bufferedamountlow', listener)
        return () => dc.removeEventListener('bufferedamountlow', listener)
      },
      detach() {
        for (const [type, listener] of listeners) dc.removeEventListener(type, listener)
      },
      close: () => closeQuietly(dc),
      messages: MESSAGES,
    },
    sink,
    pollMs,
  )
  const onMessage: ChannelEventListener = (event) => queued.received(event.data)
  const onOpen: ChannelEventListener = () => {
    state = 'open'
    queued.opened()
  }
  const onClose: ChannelEventListener = () => {
    state = 'closing'
    queued.closed()
  }
  const onError: ChannelEventListener = (event) =>
    queued.fail(new NetError('closed', 'the data channel failed', { cause: event.error ?? event }))
  const listeners: [string, ChannelEventListener][] = [
    ['message', onMessage],
    ['open', onOpen],
    ['close', onClose],
    // The peer started closing: nothing more will arrive, and Chromium may sit in `closing`.
    ['closing', onClose],
    ['error', onError],
  ]
  for (const [type, listener] of listeners) dc.addEventListener(type, listener)
  if (state === 'closing') {
    queued.failSoon(() => new NetError('closed', `the data channel was already ${dc.readyState}`))
  }
  return queued.transport
}

const MESSAGES: Wire['messages'] = {
  closed: 'the data channel closed',
  sendFailed: 'the data channel failed to send',
  closedLocally: 'the data channel was closed locally',
}

function closeQuietly(dc: DataChannelLike): void {
  try {
    dc.close()
  } catch {
    // Closing a channel whose connection already went away may throw; it is closed either way.
  }
}

function wireState(readyState: string): 'open' | 'connecting' | 'closing' {
  if (readyState === 'closing' || readyState === 'closed') return 'closing'
  return readyState === 'open' ? 'open' : 'connecting'
}
