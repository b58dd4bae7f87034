import { NetError } from '../base/errors.js'
import { unrefTimer } from '../base/unref-timer.js'
import { checkShape } from '../base/arguments.js'
import type { ChannelEventListener } from './data-channel.js'
import { resolveFrameChannelOptions, type FrameChannel, type FrameChannelOptions } from './frame-channel.js'
import { createFrameChannel } from './framed-channel.js'
import { queuedTransport } from './queued-transport.js'
import type { RawTransport, RawTransportSink } from './raw-transport.js'

/**
 * The parts of a `WebSocket` netbeam uses: the browser's WebSocket and the `ws` package's (which
 * also speaks `addEventListener`) both satisfy it.
 */
export interface WebSocketLike {
  /** 0 connecting, 1 open, 2 closing, 3 closed. */
  readonly readyState: number
  /** Set to `'arraybuffer'` by the adapter. */
  binaryType: string
  /** Bytes queued to send; the adapter's backpressure polls it. */
  readonly bufferedAmount: number
  /** Sends one chunk. */
  send(data: Uint8Array<ArrayBuffer>): void
  /** Closes the socket (when the FrameChannel closes). */
  close(code?: number, reason?: string): void
  /** `open`, `message`, `close` and `error` are listened to. */
  addEventListener(type: string, listener: (event: { readonly type: string; readonly data?: unknown; readonly error?: unknown }) => void): void
  /** Removes what `addEventListener` added (when the FrameChannel closes). */
  removeEventListener(type: string, listener: (event: { readonly type: string; readonly data?: unknown; readonly error?: unknown }) => void): void
}

const OPEN = 1
const CLOSING = 2
const CLOSED = 3
/** How long the closing handshake may take before a socket that can be terminated is. */
const CLOSE_HANDSHAKE_MS = 1000
/** The WebSocket close code for a normal closure. */
const NORMAL_CLOSURE = 1000

/**
 * Wraps a WebSocket as a {@link FrameChannel}. The socket may still be connecting: sends wait for
 * `open`. Closing the FrameChannel closes the socket.
 *
 * @throws NetError `usage` when `ws` is not a WebSocket, or for a bad option (see
 * {@link FrameChannelOptions}).
 * @example
 * ```ts
 * const session = await Session.open(fromWebSocket(new WebSocket('wss://example.org/beam')))
 * ```
 */
export function fromWebSocket(ws: WebSocketLike, options: FrameChannelOptions = {}): FrameChannel {
  checkShape('fromWebSocket', 'ws', ws, 'a WebSocket', ['send', 'close', 'addEventListener', 'removeEventListener'])
  const { drainPollMs } = resolveFrameChannelOptions(options, 'fromWebSocket')
  // Blob is the browser default (and Buffer the `ws` default); an ArrayBuffer arrives in order.
  ws.binaryType = 'arraybuffer'
  return createFrameChannel((sink) => webSocketTransport(ws, sink, drainPollMs), options)
}

function webSocketTransport(ws: WebSocketLike, sink: RawTransportSink, pollMs: number): RawTransport {
  const queued = queuedTransport(
    {
      state() {
        const state = ws.readyState
        // A closing socket drops what it is given; its close event may still be a task away.
        if (state >= CLOSING) return 'closing'
        return state === OPEN ? 'open' : 'connecting'
      },
      send: (chunk) => ws.send(chunk),
      get bufferedAmount() {
        return ws.bufferedAmount
      },
      // A WebSocket has no low-buffer event (no `onLow`): waitForDrain polls, and `open` wakes it early.
      detach() {
        for (const [type, listener] of listeners) {
          // The `ws` package throws on an 'error' event nobody listens to, and a closing socket can
          // still report one: leave the error listener in place (it ignores everything now).
          if (type !== 'error') ws.removeEventListener(type, listener)
        }
      },
      close() {
        try {
          ws.close(NORMAL_CLOSURE)
        } catch {
          // A socket that never connected may refuse to close; it is closed either way.
        }
        terminateIfStuck(ws)
      },
      messages: {
        closed: 'the WebSocket closed',
        sendFailed: 'the WebSocket failed to send',
        closedLocally: 'the WebSocket was closed locally',
      },
    },
    sink,
    pollMs,
  )
  const onMessage: ChannelEventListener = (event) => queued.received(event.data)
  const onOpen: ChannelEventListener = () => queued.opened()
  const onClose: ChannelEventListener = () => queued.closed()
  const onError: ChannelEventListener = (event) =>
    queued.fail(new NetError('closed', 'the WebSocket failed', { cause: event.error ?? event }))
  const listeners: [string, ChannelEventListener][] = [
    ['message', onMessage],
    ['open', onOpen],
    ['close', onClose],
    ['error', onError],
  ]
  for (const [type, listener] of listeners) ws.addEventListener(type, listener)
  if (ws.readyState >= CLOSING) {
    queued.failSoon(() => new NetError('closed', 'the WebSocket was already closed'))
  }
  return queued.transport
}

/**
 * `ws.close()` waits for the peer's close frame, and the `ws` package keeps the process alive
 * for 30 s when a stalled peer never sends it. Where the socket has `terminate()` (the `ws`
 * package; browsers have none and end the handshake themselves), cut it off once the closing
 * handshake has had {@link CLOSE_HANDSHAKE_MS}.
 */
function terminateIfStuck(ws: WebSocketLike): void {
  const terminate = (ws as { terminate?: unknown }).terminate
  if (typeof terminate !== 'function' || ws.readyState === CLOSED) return
  const timer = setTimeout(() => {
    if (ws.readyState !== CLOSED) terminate.call(ws)
  }, CLOSE_HANDSHAKE_MS)
  unrefTimer(timer)
}
