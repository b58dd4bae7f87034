import { NetError } from '../errors.js'
import { messageBytes, notBinaryError, type ChannelEventListener } from './data-channel.js'
import { waitForDrain } from './drain.js'
import { resolveFrameChannelOptions, type FrameChannel, type FrameChannelOptions } from './frame-channel.js'
import { createFrameChannel } from './framed-channel.js'
import type { RawTransport, RawTransportSink } from './raw-transport.js'

/**
 * The parts of a `WebSocket` netbeam uses: the browser's WebSocket and the `ws` package's (which
 * also speaks `addEventListener`) both satisfy it.
 */
export interface WebSocketLike {
  /** 0 connecting, 1 open, 2 closing, 3 closed. */
  readonly readyState: number
  binaryType: string
  readonly bufferedAmount: number
  send(data: Uint8Array<ArrayBuffer>): void
  close(code?: number, reason?: string): void
  addEventListener(type: string, listener: ChannelEventListener): void
  removeEventListener(type: string, listener: ChannelEventListener): void
}

const OPEN = 1
const CLOSING = 2
/** The WebSocket close code for a normal closure. */
const NORMAL_CLOSURE = 1000

/**
 * Wraps a WebSocket as a {@link FrameChannel}. The socket may still be connecting: sends wait for
 * `open`. Closing the FrameChannel closes the socket.
 *
 * @example
 * ```ts
 * const session = await Session.open(fromWebSocket(new WebSocket('wss://example.org/beam')))
 * ```
 */
export function fromWebSocket(ws: WebSocketLike, options: FrameChannelOptions = {}): FrameChannel {
  const { drainPollMs } = resolveFrameChannelOptions(options)
  // Blob is the browser default (and Buffer the `ws` default); an ArrayBuffer arrives in order.
  ws.binaryType = 'arraybuffer'
  return createFrameChannel((sink) => webSocketTransport(ws, sink, drainPollMs), options)
}

function webSocketTransport(ws: WebSocketLike, sink: RawTransportSink, pollMs: number): RawTransport {
  let done = false
  // Chunks sent while the socket is still connecting; flushed in order on open.
  let pending: Uint8Array<ArrayBuffer>[] = []
  let pendingBytes = 0
  const closeWaiters = new Set<() => void>()
  const openWaiters = new Set<() => void>()

  const onMessage: ChannelEventListener = (event) => {
    if (done) return
    const bytes = messageBytes(event.data)
    if (bytes === undefined) fail(notBinaryError(event.data))
    else sink.message(bytes)
  }
  const onOpen: ChannelEventListener = () => flush()
  const onClose: ChannelEventListener = () => fail(new NetError('closed', 'the WebSocket closed'))
  const onError: ChannelEventListener = (event) =>
    fail(new NetError('closed', 'the WebSocket failed', { cause: event.error ?? event }))
  const listeners: [string, ChannelEventListener][] = [
    ['message', onMessage],
    ['open', onOpen],
    ['close', onClose],
    ['error', onError],
  ]
  for (const [type, listener] of listeners) ws.addEventListener(type, listener)
  if (ws.readyState >= CLOSING) {
    // Reported on a microtask: the framing layer is still being built around this transport.
    queueMicrotask(() => fail(new NetError('closed', 'the WebSocket was already closed')))
  }

  function flush(): void {
    if (done || ws.readyState !== OPEN) return
    const queued = pending
    pending = []
    pendingBytes = 0
    try {
      for (const chunk of queued) ws.send(chunk)
    } catch (err) {
      fail(new NetError('closed', 'the WebSocket failed to send', { cause: err }))
    }
    for (const wake of openWaiters) wake()
  }

  function fail(reason: NetError): void {
    if (done) return
    done = true
    for (const [type, listener] of listeners) {
      // The `ws` package throws on an 'error' event nobody listens to, and a closing socket can
      // still report one: leave the error listener in place (it ignores everything now).
      if (type !== 'error') ws.removeEventListener(type, listener)
    }
    pending = []
    pendingBytes = 0
    for (const wake of closeWaiters) wake()
    try {
      ws.close(NORMAL_CLOSURE)
    } catch {
      // A socket that never connected may refuse to close; it is closed either way.
    }
    sink.closed(reason)
  }

  const transport: RawTransport = {
    send(data) {
      if (done) return
      // Chunks come fresh from the chunk codec, always backed by a plain ArrayBuffer.
      const chunk = data as Uint8Array<ArrayBuffer>
      // A closing socket drops what it is given; its close event may still be a task away.
      if (ws.readyState >= CLOSING) return onClose({ type: 'close' })
      if (pending.length > 0 || ws.readyState !== OPEN) {
        pending.push(chunk)
        pendingBytes += chunk.length
        flush()
        return
      }
      ws.send(chunk)
    },
    get bufferedAmount() {
      return done ? 0 : pendingBytes + ws.bufferedAmount
    },
    waitForDrain(lowWater) {
      // A WebSocket has no low-buffer event: waitForDrain polls, and `open` wakes it early.
      return waitForDrain(
        {
          get bufferedAmount() {
            return transport.bufferedAmount
          },
          onLow(listener) {
            openWaiters.add(listener)
            return () => openWaiters.delete(listener)
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
      fail(new NetError('closed', 'the WebSocket was closed locally'))
    },
  }
  return transport
}
