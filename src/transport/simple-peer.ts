import { NetError } from '../base/errors.js'
import { checkShape } from '../base/arguments.js'
import { resolveFrameChannelOptions, type FrameChannel, type FrameChannelOptions } from './frame-channel.js'
import { createFrameChannel } from './framed-channel.js'
import { queuedTransport, type Wire } from './queued-transport.js'
import type { RawTransport, RawTransportSink } from './raw-transport.js'

/** A simple-peer event listener (internal: SimplePeerLike spells the type out). */
type PeerListener = (...args: unknown[]) => void

/**
 * The parts of a simple-peer `Peer` netbeam uses; simple-peer 9 and @thaunknown/simple-peer 10
 * both satisfy it.
 */
export interface SimplePeerLike {
  /** True once the peer emitted `connect` and its data channel is open. */
  readonly connected: boolean
  /** True once the peer was destroyed: the FrameChannel then closes at once. */
  readonly destroyed: boolean
  /** The data channel's `bufferedAmount`. */
  readonly bufferSize: number
  /**
   * The underlying RTCDataChannel (simple-peer internals, null before setup and after destroy),
   * used only to wake up on `bufferedamountlow`.
   */
  readonly _channel?: {
    addEventListener(type: string, listener: () => void): void
    removeEventListener(type: string, listener: () => void): void
  } | null
  /** Sends one chunk. */
  send(data: Uint8Array<ArrayBuffer>): void
  /** Destroys the peer (when the FrameChannel closes). */
  destroy(err?: Error): void
  /** `data`, `connect`, `close`, `end` and `error` are listened to. */
  on(event: string, listener: (...args: unknown[]) => void): unknown
  /** Removes what `on` added (when the FrameChannel closes). */
  removeListener(event: string, listener: (...args: unknown[]) => void): unknown
}

/**
 * Wraps a simple-peer `Peer` (version 9, or @thaunknown/simple-peer 10) as a
 * {@link FrameChannel}. The peer may still be connecting: sends wait for `connect`. Closing the
 * FrameChannel destroys the peer. Pass the peer before anything else listens to its `data`.
 *
 * @throws NetError `usage` when `peer` is not a simple-peer `Peer`, or for a bad option (see
 * {@link FrameChannelOptions}).
 * @example
 * ```ts
 * const peer = new Peer({ initiator: true })
 * peer.on('signal', (s) => signalling.send(s))
 * const session = await Session.open(fromSimplePeer(peer))
 * ```
 */
export function fromSimplePeer(peer: SimplePeerLike, options: FrameChannelOptions = {}): FrameChannel {
  checkShape('fromSimplePeer', 'peer', peer, 'a simple-peer Peer', ['send', 'destroy', 'on', 'removeListener'])
  const { drainPollMs } = resolveFrameChannelOptions(options, 'fromSimplePeer')
  return createFrameChannel((sink) => simplePeerTransport(peer, sink, drainPollMs), options)
}

const MESSAGES: Wire['messages'] = {
  closed: 'the peer connection closed',
  sendFailed: 'the peer failed to send',
  closedLocally: 'the peer connection was closed locally',
}

function simplePeerTransport(peer: SimplePeerLike, sink: RawTransportSink, pollMs: number): RawTransport {
  let wasConnected = peer.connected
  const queued = queuedTransport(
    {
      state() {
        // Once connected, not connected means closing: its channel throws, its close event lags.
        if (peer.connected) {
          wasConnected = true
          return 'open'
        }
        // Before `connect`, chunks wait in the queue: simple-peer throws on send until then.
        return wasConnected ? 'closing' : 'connecting'
      },
      send: (chunk) => peer.send(chunk),
      // Both versions hand the chunk straight to their RTCDataChannel, which copies it.
      copiesOnSend: true,
      get bufferedAmount() {
        return peer.bufferSize
      },
      onLow(listener) {
        // simple-peer sets the channel's threshold to 64 KiB for its own stream backpressure;
        // the event wakes us at that point and the poll catches our (higher) low-water mark.
        const channel = peer._channel ?? undefined
        channel?.addEventListener('bufferedamountlow', listener)
        return () => channel?.removeEventListener('bufferedamountlow', listener)
      },
      detach() {
        for (const [event, listener] of listeners) {
          // An EventEmitter throws on an 'error' nobody listens to, and a destroy already under way
          // may still emit one: leave the error listener in place (it ignores everything now).
          if (event !== 'error') peer.removeListener(event, listener)
        }
      },
      close: () => peer.destroy(),
      messages: MESSAGES,
    },
    sink,
    pollMs,
  )
  // simple-peer 9 delivers a Buffer, version 10 a Uint8Array; both turn text into bytes.
  const onData: PeerListener = (data) => queued.received(data)
  const onConnect: PeerListener = () => queued.opened()
  const onClose: PeerListener = () => queued.closed()
  const onError: PeerListener = (err) =>
    queued.fail(new NetError('closed', 'the peer connection failed', { cause: err }))
  const listeners: [string, PeerListener][] = [
    ['data', onData],
    ['connect', onConnect],
    ['close', onClose],
    // @thaunknown/simple-peer 10 emits no `close` when the remote closes its channel, only `end`.
    ['end', onClose],
    ['error', onError],
  ]
  for (const [event, listener] of listeners) peer.on(event, listener)
  if (peer.destroyed) {
    queued.failSoon(() => new NetError('closed', 'the peer was already destroyed'))
  }
  return queued.transport
}
