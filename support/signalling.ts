// Browser side of the relay (relay.ts): joins a room and returns a connected simple-peer. Used by
// the demo, the examples and the browser tests' pages.
import SimplePeer from 'simple-peer'
import type { ClientMessage, RelayMessage } from './relay-messages.js'

export interface ConnectOptions {
  /**
   * WebSocket URL of the relay.
   * @default `ws(s)://<location.host>/relay`
   * @example connectPeer('lobby', { relayUrl: 'ws://127.0.0.1:5173/relay' })
   */
  relayUrl?: string
  /**
   * Gives up, tearing everything down, if no peer is connected by then.
   * @default 30000
   * @example connectPeer('lobby', { timeoutMs: 5000 })
   */
  timeoutMs?: number
  /**
   * Aborts the attempt; the promise rejects with `signal.reason`.
   * @example connectPeer('lobby', { signal: AbortSignal.timeout(5000) })
   */
  signal?: AbortSignal
  /**
   * Extra simple-peer options. `initiator` and `trickle` are decided here and
   * `config.iceServers` is always `[]` (peers reach each other directly).
   * @example connectPeer('lobby', { peerOptions: { channelName: 'game' } })
   */
  peerOptions?: Omit<SimplePeer.Options, 'initiator' | 'trickle'>
  /**
   * Sees every signal sent (`out`) or received (`in`), e.g. to log candidates.
   * @example connectPeer('lobby', { onSignal: (dir, s) => console.log(dir, s) })
   */
  onSignal?: (direction: 'in' | 'out', data: SimplePeer.SignalData) => void
  /**
   * Called when the relay pairs this side with a peer (WebRTC setup begins).
   * @example connectPeer('lobby', { onStart: (initiator) => console.log({ initiator }) })
   */
  onStart?: (initiator: boolean) => void
  /**
   * Called when this side waits in the room for a peer: on joining an empty room, and when a
   * peer left before the connection was made (the relay then pairs the next one).
   * @example connectPeer('lobby', { onWaiting: () => show('waiting for a player') })
   */
  onWaiting?: () => void
}

export interface PeerConnection {
  /** The connected peer; its data channel is ordered and reliable. */
  readonly peer: SimplePeer.Instance
  /** True on the side that joined the room first (it made the offer). */
  readonly initiator: boolean
  readonly room: string
  /** Destroys the peer and leaves the room. Idempotent. */
  close(): void
  /**
   * Resolves once the relay connection is closed, i.e. the relay has let this side out of the
   * room. Wait for it before joining the same room again, or the relay may still count the old
   * connection and answer `room-full`.
   */
  readonly left: Promise<void>
}

function defaultRelayUrl(): string {
  return `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/relay`
}

function parseRelayMessage(data: unknown): RelayMessage | undefined {
  if (typeof data !== 'string') return undefined
  try {
    const msg: unknown = JSON.parse(data)
    return typeof msg === 'object' && msg !== null && 'type' in msg ? (msg as RelayMessage) : undefined
  } catch {
    return undefined
  }
}

/**
 * Joins `room` on the relay and resolves once a simple-peer (trickle ICE, no
 * ICE servers) is connected to the other peer in it. The relay keeps the room
 * while connected; when the other side leaves the room, the peer is destroyed.
 * @example
 * const { peer, initiator, close } = await connectPeer('lobby')
 * peer.send('hello')
 */
export function connectPeer(room: string, options: ConnectOptions = {}): Promise<PeerConnection> {
  const { timeoutMs = 30_000, signal } = options
  return new Promise<PeerConnection>((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason)
    const url = new URL(options.relayUrl ?? defaultRelayUrl())
    url.searchParams.set('room', room)
    const ws = new WebSocket(url)
    const left = new Promise<void>((resolveLeft) => ws.addEventListener('close', () => resolveLeft(), { once: true }))
    let peer: SimplePeer.Instance | undefined
    let pairing = 0
    let settled = false

    let keepalive: ReturnType<typeof setInterval> | undefined
    const close = (): void => {
      peer?.destroy()
      peer = undefined
      clearInterval(keepalive)
      if (ws.readyState === WebSocket.CONNECTING || ws.readyState === WebSocket.OPEN) ws.close(1000)
    }
    // The relay closes a socket that says nothing for four of these: waiting and connected
    // sides alike send a keepalive, for as long as the socket is open.
    const keepAlive = (everyMs: number): void => {
      clearInterval(keepalive)
      const msg: ClientMessage = { type: 'keepalive' }
      keepalive = setInterval(() => {
        if (ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify(msg))
      }, everyMs)
    }
    ws.addEventListener('close', () => clearInterval(keepalive), { once: true })
    const stopWaiting = (): void => {
      clearTimeout(timer)
      signal?.removeEventListener('abort', onAbort)
    }
    const fail = (err: unknown): void => {
      if (settled) return
      settled = true
      stopWaiting()
      close()
      reject(err)
    }
    const onAbort = (): void => fail(signal?.reason)
    const timer = setTimeout(() => fail(new Error(`no peer connected in room "${room}" within ${timeoutMs} ms`)), timeoutMs)
    signal?.addEventListener('abort', onAbort, { once: true })

    const startPeer = (initiator: boolean, n: number): void => {
      peer?.destroy()
      pairing = n
      options.onStart?.(initiator)
      const p = new SimplePeer({
        ...options.peerOptions,
        initiator,
        trickle: true,
        config: { ...options.peerOptions?.config, iceServers: [] },
      })
      peer = p
      p.on('signal', (data: SimplePeer.SignalData) => {
        if (peer !== p || ws.readyState !== WebSocket.OPEN) return
        options.onSignal?.('out', data)
        const msg: ClientMessage = { type: 'signal', pairing: n, data }
        ws.send(JSON.stringify(msg))
      })
      p.once('connect', () => {
        if (peer !== p || settled) return
        settled = true
        stopWaiting()
        resolve({ peer: p, initiator, room, close, left })
      })
      // Before connecting, a failure fails the attempt; afterwards it is the caller's peer.
      p.on('error', (err: Error) => {
        if (peer === p && !settled) fail(err)
      })
      p.once('close', () => {
        if (peer === p && settled) close()
      })
    }

    ws.onmessage = (event: MessageEvent) => {
      const msg = parseRelayMessage(event.data)
      if (!msg) return
      switch (msg.type) {
        case 'joined':
          if (Number.isFinite(msg.keepaliveMs) && msg.keepaliveMs > 0) keepAlive(msg.keepaliveMs)
          return
        case 'waiting':
          options.onWaiting?.()
          return
        case 'start':
          if (settled) return
          // simple-peer throws where the page has no WebRTC: fail the attempt, not the handler.
          try {
            startPeer(msg.initiator, msg.pairing)
          } catch (err) {
            fail(err)
          }
          return
        case 'signal':
          if (peer && msg.pairing === pairing) {
            options.onSignal?.('in', msg.data as SimplePeer.SignalData)
            peer.signal(msg.data as SimplePeer.SignalData)
          }
          return
        case 'peer-left':
          // Before connecting, wait for the next peer; after, this session is over.
          if (settled) close()
          else {
            peer?.destroy()
            peer = undefined
            options.onWaiting?.()
          }
          return
        case 'room-full':
          return fail(new Error(`room "${room}" is full`))
        case 'error':
          return fail(new Error(`relay refused: ${msg.reason}`))
        default: {
          const unknown: never = msg
          return unknown
        }
      }
    }
    ws.onclose = (event: CloseEvent) => {
      fail(new Error(`relay connection closed (code ${event.code}) before a peer connected`))
    }
  })
}
