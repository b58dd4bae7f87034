import { NetError } from '../errors.js'
import { messageBytes, notBinaryError, type ChannelEventListener } from './data-channel.js'
import { waitForDrain } from './drain.js'
import { resolveFrameChannelOptions, type FrameChannel, type FrameChannelOptions } from './frame-channel.js'
import { createFrameChannel } from './framed-channel.js'
import type { RawTransport, RawTransportSink } from './raw-transport.js'

/** A simple-peer event listener. */
export type PeerListener = (...args: unknown[]) => void

/**
 * The parts of a simple-peer `Peer` netbeam uses; simple-peer 9 and @thaunknown/simple-peer 10
 * both satisfy it.
 */
export interface SimplePeerLike {
  /** True once the peer emitted `connect` and its data channel is open. */
  readonly connected: boolean
  readonly destroyed: boolean
  /** The data channel's `bufferedAmount`. */
  readonly bufferSize: number
  /**
   * The underlying RTCDataChannel (simple-peer internals, null before setup and after destroy),
   * used only to wake up on `bufferedamountlow`.
   */
  readonly _channel?: DataChannelEvents | null
  send(data: Uint8Array<ArrayBuffer>): void
  destroy(err?: Error): void
  on(event: string, listener: PeerListener): unknown
  removeListener(event: string, listener: PeerListener): unknown
}

interface DataChannelEvents {
  addEventListener(type: string, listener: ChannelEventListener): void
  removeEventListener(type: string, listener: ChannelEventListener): void
}

/**
 * Wraps a simple-peer `Peer` (version 9, or @thaunknown/simple-peer 10) as a
 * {@link FrameChannel}. The peer may still be connecting: sends wait for `connect`. Closing the
 * FrameChannel destroys the peer. Pass the peer before anything else listens to its `data`.
 *
 * @example
 * ```ts
 * const peer = new Peer({ initiator: true })
 * peer.on('signal', (s) => signalling.send(s))
 * const session = await Session.open(fromSimplePeer(peer))
 * ```
 */
export function fromSimplePeer(peer: SimplePeerLike, options: FrameChannelOptions = {}): FrameChannel {
  const { drainPollMs } = resolveFrameChannelOptions(options)
  return createFrameChannel((sink) => simplePeerTransport(peer, sink, drainPollMs), options)
}

function simplePeerTransport(peer: SimplePeerLike, sink: RawTransportSink, pollMs: number): RawTransport {
  let done = false
  // Chunks sent before `connect` (simple-peer throws on send until then); flushed in order.
  let pending: Uint8Array<ArrayBuffer>[] = []
  let pendingBytes = 0
  let wasConnected = peer.connected
  const closeWaiters = new Set<() => void>()
  const connectWaiters = new Set<() => void>()

  // simple-peer 9 delivers a Buffer, version 10 a Uint8Array; both turn text into bytes.
  const onData: PeerListener = (data) => {
    if (done) return
    const bytes = messageBytes(data)
    if (bytes === undefined) fail(notBinaryError(data))
    else sink.message(bytes)
  }
  const onConnect: PeerListener = () => flush()
  const onClose: PeerListener = () => fail(new NetError('closed', 'the peer connection closed'))
  const onError: PeerListener = (err) => fail(new NetError('closed', 'the peer connection failed', { cause: err }))
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
    // Reported on a microtask: the framing layer is still being built around this transport.
    queueMicrotask(() => fail(new NetError('closed', 'the peer was already destroyed')))
  }

  function flush(): void {
    if (done || !peer.connected) return
    wasConnected = true
    const queued = pending
    pending = []
    pendingBytes = 0
    try {
      for (const chunk of queued) peer.send(chunk)
    } catch (err) {
      fail(new NetError('closed', 'the peer failed to send', { cause: err }))
    }
    for (const wake of connectWaiters) wake()
  }

  function fail(reason: NetError): void {
    if (done) return
    done = true
    for (const [event, listener] of listeners) {
      // An EventEmitter throws on an 'error' nobody listens to, and a destroy already under way
      // may still emit one: leave the error listener in place (it ignores everything now).
      if (event !== 'error') peer.removeListener(event, listener)
    }
    pending = []
    pendingBytes = 0
    for (const wake of closeWaiters) wake()
    peer.destroy()
    sink.closed(reason)
  }

  const transport: RawTransport = {
    send(data) {
      if (done) return
      // Chunks come fresh from the chunk codec, always backed by a plain ArrayBuffer.
      const chunk = data as Uint8Array<ArrayBuffer>
      // Once connected, not connected means closing: its channel throws, its close event lags.
      if (peer.connected) wasConnected = true
      else if (wasConnected) return onClose()
      if (pending.length > 0 || !peer.connected) {
        pending.push(chunk)
        pendingBytes += chunk.length
        flush()
        return
      }
      peer.send(chunk)
    },
    get bufferedAmount() {
      return done ? 0 : pendingBytes + peer.bufferSize
    },
    waitForDrain(lowWater) {
      return waitForDrain(
        {
          get bufferedAmount() {
            return transport.bufferedAmount
          },
          onLow(listener) {
            // simple-peer sets the channel's threshold to 64 KiB for its own stream backpressure;
            // the event wakes us at that point and the poll catches our (higher) low-water mark.
            const channel = peer._channel ?? undefined
            channel?.addEventListener('bufferedamountlow', listener)
            connectWaiters.add(listener)
            return () => {
              channel?.removeEventListener('bufferedamountlow', listener)
              connectWaiters.delete(listener)
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
      fail(new NetError('closed', 'the peer connection was closed locally'))
    },
  }
  return transport
}
