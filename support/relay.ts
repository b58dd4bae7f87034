// WebSocket signalling relay for the demo, the examples and the browser tests: rooms of at most
// two peers, attached to an existing http server (Vite's) on one path. The messages it speaks are
// in relay-messages.ts.
import type { EventEmitter } from 'node:events'
import type { IncomingMessage } from 'node:http'
import type { Duplex } from 'node:stream'
import { WebSocket, WebSocketServer, type RawData } from 'ws'
import { describeSignal, filterSignal } from './loopback-filter.js'
import { RelayCloseCode, type ClientMessage, type RelayMessage } from './relay-messages.js'

export interface RelayOptions {
  /** URL path of the relay; the room is `?room=` or the next path segment. @default '/relay' */
  path?: string
  /** Rooms that may exist at once. @default 256 */
  maxRooms?: number
  /** Largest accepted message; larger ones close the socket with 1009. @default 65536 */
  maxMessageBytes?: number
  /** A recipient with more unsent bytes than this is dropped. @default 1048576 */
  maxBufferedBytes?: number
  /** Drop ICE candidates not on 127.0.0.1 (test mode). @default false */
  loopbackOnly?: boolean
  /** Ping interval; a socket that missed one pong is terminated. 0 disables. @default 30000 */
  heartbeatMs?: number
  /** Receives one line per relay decision worth seeing while debugging. */
  log?: (line: string) => void
}

export interface Relay {
  readonly roomCount: number
  /** Closes every socket and detaches from the server. Idempotent. */
  close(): void
}

interface Room {
  readonly name: string
  /** Join order: index 0 is the initiator of the next pairing. */
  readonly peers: WebSocket[]
  pairing: number
}

const ROOM_NAME = /^[A-Za-z0-9_-]{1,64}$/

/** The relay's room for an upgrade URL: undefined if it is not the relay's path, null if the room is invalid. */
function roomFromUrl(rawUrl: string, path: string): string | null | undefined {
  let url: URL
  try {
    url = new URL(rawUrl, 'http://relay.invalid')
  } catch {
    return undefined
  }
  let name: string | null
  if (url.pathname === path) name = url.searchParams.get('room')
  else if (url.pathname.startsWith(`${path}/`)) name = url.pathname.slice(path.length + 1)
  else return undefined
  return name !== null && ROOM_NAME.test(name) ? name : null
}

/** Browsers always send Origin; a page from another site must not use the relay. */
function sameOrigin(req: IncomingMessage): boolean {
  const origin = req.headers.origin
  if (origin === undefined) return true
  try {
    return new URL(origin).host === req.headers.host
  } catch {
    return false
  }
}

function reject(socket: Duplex, status: string): void {
  // After 'upgrade' the http server no longer watches the socket; an unhandled
  // 'error' (client reset) would crash the dev server.
  socket.on('error', () => socket.destroy())
  socket.end(`HTTP/1.1 ${status}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`)
}

function rawText(raw: RawData): string {
  if (Array.isArray(raw)) return Buffer.concat(raw).toString('utf8')
  return Buffer.from(raw instanceof ArrayBuffer ? new Uint8Array(raw) : raw).toString('utf8')
}

function parseClientMessage(text: string): ClientMessage | undefined {
  let msg: unknown
  try {
    msg = JSON.parse(text)
  } catch {
    return undefined
  }
  if (typeof msg !== 'object' || msg === null) return undefined
  const { type, pairing, data } = msg as Record<string, unknown>
  if (type !== 'signal' || typeof pairing !== 'number' || !Number.isSafeInteger(pairing)) return undefined
  return { type, pairing, data }
}

function send(ws: WebSocket, msg: RelayMessage): void {
  if (ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify(msg))
}

function sendAndClose(ws: WebSocket, msg: RelayMessage, code: number, reason: string): void {
  send(ws, msg)
  ws.close(code, reason)
}

/** Attaches a relay to `server`'s `upgrade` event; other upgrade paths (Vite's HMR) are left alone. */
export function attachRelay(server: EventEmitter, options: RelayOptions = {}): Relay {
  const path = options.path ?? '/relay'
  const maxRooms = options.maxRooms ?? 256
  const maxBuffered = options.maxBufferedBytes ?? 1 << 20
  const loopbackOnly = options.loopbackOnly ?? false
  const log = options.log ?? (() => {})
  const rooms = new Map<string, Room>()
  const alive = new WeakSet<WebSocket>()
  const wss = new WebSocketServer({ noServer: true, maxPayload: options.maxMessageBytes ?? 64 * 1024 })
  let closed = false

  function join(ws: WebSocket, name: string): void {
    let room = rooms.get(name)
    if (!room) {
      if (rooms.size >= maxRooms) {
        return sendAndClose(ws, { type: 'error', reason: 'too many rooms' }, RelayCloseCode.tooManyRooms, 'too many rooms')
      }
      room = { name, peers: [], pairing: 0 }
      rooms.set(name, room)
    }
    if (room.peers.length >= 2) return sendAndClose(ws, { type: 'room-full' }, RelayCloseCode.roomFull, 'room full')
    const joined = room
    joined.peers.push(ws)
    alive.add(ws)
    ws.on('pong', () => alive.add(ws))
    ws.on('message', (raw, isBinary) => onMessage(joined, ws, raw, isBinary))
    ws.on('close', () => leave(joined, ws))
    if (joined.peers.length === 1) return send(ws, { type: 'waiting' })
    joined.pairing += 1
    joined.peers.forEach((peer, i) => send(peer, { type: 'start', initiator: i === 0, pairing: joined.pairing }))
    log(`room ${name}: pairing ${joined.pairing} started`)
  }

  function leave(room: Room, ws: WebSocket): void {
    const i = room.peers.indexOf(ws)
    if (i < 0) return
    room.peers.splice(i, 1)
    for (const peer of room.peers) send(peer, { type: 'peer-left' })
    if (room.peers.length === 0) rooms.delete(room.name)
    log(`room ${room.name}: a peer left, ${room.peers.length} remain`)
  }

  function onMessage(room: Room, ws: WebSocket, raw: RawData, isBinary: boolean): void {
    const msg = isBinary ? undefined : parseClientMessage(rawText(raw))
    if (!msg) return sendAndClose(ws, { type: 'error', reason: 'bad message' }, RelayCloseCode.badMessage, 'bad message')
    const other = room.peers.find((p) => p !== ws)
    if (!other || msg.pairing !== room.pairing) return log(`room ${room.name}: stale signal dropped`)
    const data = loopbackOnly ? filterSignal(msg.data) : msg.data
    if (data === undefined) return log(`room ${room.name}: DROPPED ${describeSignal(msg.data)}`)
    if (other.bufferedAmount > maxBuffered) return other.terminate()
    log(`room ${room.name}: passed ${describeSignal(data)}`)
    send(other, { type: 'signal', pairing: msg.pairing, data })
  }

  function onUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const name = closed ? undefined : roomFromUrl(req.url ?? '/', path)
    if (name === undefined) return // not ours: Vite's HMR socket, for one
    if (name === null) return reject(socket, '400 Bad Request')
    if (!sameOrigin(req)) return reject(socket, '403 Forbidden')
    wss.handleUpgrade(req, socket, head, (ws) => {
      // 'close' always follows 'error', and leaving the room happens there.
      ws.on('error', () => {})
      join(ws, name)
    })
  }

  const heartbeatMs = options.heartbeatMs ?? 30_000
  const heartbeat =
    heartbeatMs > 0
      ? setInterval(() => {
          for (const ws of wss.clients) {
            if (!alive.has(ws)) ws.terminate()
            else {
              alive.delete(ws)
              ws.ping()
            }
          }
        }, heartbeatMs).unref()
      : undefined

  server.on('upgrade', onUpgrade)
  return {
    get roomCount() {
      return rooms.size
    },
    close() {
      if (closed) return
      closed = true
      clearInterval(heartbeat)
      server.off('upgrade', onUpgrade)
      for (const ws of wss.clients) ws.close(1001, 'relay shutting down')
      rooms.clear()
      wss.close()
    },
  }
}
