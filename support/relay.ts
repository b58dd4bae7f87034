// WebSocket signalling relay for the demo, the examples and the browser tests: rooms of at most
// two peers, attached to an existing http server (Vite's) on one path. The messages it speaks are
// in relay-messages.ts; what it refuses to let one client or address do is in relay-limits.ts.
import type { EventEmitter } from 'node:events'
import type { IncomingMessage } from 'node:http'
import type { Duplex } from 'node:stream'
import { WebSocketServer, type RawData, type WebSocket } from 'ws'
import { describeSignal, filterSignal } from './loopback-filter.js'
import { AddressLimits, ConnectionBudget, addressKey, resolveLimits, type RelayLimits } from './relay-limits.js'
import { RelayCloseCode, type RelayMessage } from './relay-messages.js'
import { reject, roomFromUrl, sameOrigin } from './relay-upgrade.js'
import { parseClientMessage, rawSize, send, sendAndClose } from './relay-wire.js'

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
  /**
   * A socket that sends no app message for this long is closed (`RelayCloseCode.idle`); protocol
   * pongs do not count, since ws clients send those by themselves. Clients are told to send a
   * keepalive every quarter of it. Two minutes, because a waiting tab in the background may have
   * its timers run only once a minute. @default 120000
   */
  idleTimeoutMs?: number
  /** Per-connection and per-address limits; see relay-limits.ts for the defaults. */
  limits?: Partial<RelayLimits>
  /**
   * The remote address a connection is counted under. Behind a reverse proxy every connection
   * comes from the proxy: read the client's address from the proxy's header here.
   * @default the socket's remote address
   */
  addressOf?: (req: IncomingMessage) => string | undefined
  /** Receives one line per relay decision worth seeing while debugging. */
  log?: (line: string) => void
}

export interface Relay {
  readonly roomCount: number
  /** Sockets in rooms. */
  readonly connectionCount: number
  /** Closes every socket and detaches from the server. Idempotent. */
  close(): void
}

interface Peer {
  readonly ws: WebSocket
  readonly budget: ConnectionBudget
  readonly idle: NodeJS.Timeout
  /** Set once the relay has told this socket to go: nothing it still sends is read. */
  evicted: boolean
}

interface Room {
  readonly name: string
  /** Join order: index 0 is the initiator of the next pairing. */
  readonly peers: Peer[]
  pairing: number
}

/** Attaches a relay to `server`'s `upgrade` event; other upgrade paths (Vite's HMR) are left alone. */
export function attachRelay(server: EventEmitter, options: RelayOptions = {}): Relay {
  const path = options.path ?? '/relay'
  const maxRooms = options.maxRooms ?? 256
  const maxMessageBytes = options.maxMessageBytes ?? 64 * 1024
  const maxBuffered = options.maxBufferedBytes ?? 1 << 20
  const idleTimeoutMs = options.idleTimeoutMs ?? 120_000
  if (!(idleTimeoutMs >= 4 && Number.isFinite(idleTimeoutMs))) throw new RangeError('relay idleTimeoutMs must be a finite number of ms, at least 4')
  const limits = resolveLimits(options.limits, maxMessageBytes)
  const loopbackOnly = options.loopbackOnly ?? false
  const log = options.log ?? (() => {})
  const rooms = new Map<string, Room>()
  const addresses = new AddressLimits(limits)
  const alive = new WeakSet<WebSocket>()
  const wss = new WebSocketServer({ noServer: true, maxPayload: maxMessageBytes })
  let closed = false

  function evict(room: Room, peer: Peer, msg: RelayMessage, code: number, reason: string): void {
    if (peer.evicted) return
    peer.evicted = true
    leave(room, peer)
    log(`room ${room.name}: a peer was closed (${reason})`)
    sendAndClose(peer.ws, msg, code, reason)
  }

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
    const idle = setTimeout(() => evict(joined, peer, { type: 'error', reason: 'idle' }, RelayCloseCode.idle, 'idle'), idleTimeoutMs)
    const peer: Peer = { ws, budget: new ConnectionBudget(limits), idle, evicted: false }
    joined.peers.push(peer)
    alive.add(ws)
    ws.on('pong', () => alive.add(ws))
    ws.on('message', (raw, isBinary) => onMessage(joined, peer, raw, isBinary))
    ws.on('close', () => {
      clearTimeout(idle)
      leave(joined, peer)
    })
    send(ws, { type: 'joined', keepaliveMs: Math.floor(idleTimeoutMs / 4) })
    if (joined.peers.length === 1) return send(ws, { type: 'waiting' })
    joined.pairing += 1
    joined.peers.forEach((p, i) => send(p.ws, { type: 'start', initiator: i === 0, pairing: joined.pairing }))
    log(`room ${name}: pairing ${joined.pairing} started`)
  }

  function leave(room: Room, peer: Peer): void {
    const i = room.peers.indexOf(peer)
    if (i < 0) return
    room.peers.splice(i, 1)
    clearTimeout(peer.idle)
    for (const other of room.peers) send(other.ws, { type: 'peer-left' })
    if (room.peers.length === 0 && rooms.get(room.name) === room) rooms.delete(room.name)
    log(`room ${room.name}: a peer left, ${room.peers.length} remain`)
  }

  function onMessage(room: Room, peer: Peer, raw: RawData, isBinary: boolean): void {
    if (peer.evicted) return
    // Charged before parsing: a flood costs its sender the connection, not the relay its CPU.
    if (!peer.budget.charge(rawSize(raw))) {
      return evict(room, peer, { type: 'error', reason: 'rate limit' }, RelayCloseCode.rateLimited, 'rate limit')
    }
    peer.idle.refresh()
    const msg = parseClientMessage(raw, isBinary)
    if (!msg) return evict(room, peer, { type: 'error', reason: 'bad message' }, RelayCloseCode.badMessage, 'bad message')
    if (msg.type === 'keepalive') return
    const other = room.peers.find((p) => p !== peer)
    if (!other || msg.pairing !== room.pairing) return log(`room ${room.name}: stale signal dropped`)
    const data = loopbackOnly ? filterSignal(msg.data) : msg.data
    if (data === undefined) return log(`room ${room.name}: DROPPED ${describeSignal(msg.data)}`)
    // The sender is within its limits, so a recipient this far behind is not reading.
    if (other.ws.bufferedAmount > maxBuffered) {
      return evict(room, other, { type: 'error', reason: 'slow consumer' }, RelayCloseCode.slowConsumer, 'slow consumer')
    }
    log(`room ${room.name}: passed ${describeSignal(data)}`)
    send(other.ws, { type: 'signal', pairing: msg.pairing, data })
  }

  function admit(ws: WebSocket, name: string, address: string): void {
    const admission = addresses.admit(address)
    if (admission === 'too-many-connections') {
      return sendAndClose(ws, { type: 'error', reason: 'too many connections from this address' }, RelayCloseCode.tooManyConnections, 'too many connections')
    }
    if (admission === 'too-many-joins') {
      return sendAndClose(ws, { type: 'error', reason: 'too many joins from this address' }, RelayCloseCode.tooManyJoins, 'too many joins')
    }
    ws.once('close', () => addresses.release(address))
    join(ws, name)
  }

  function onUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const name = closed ? undefined : roomFromUrl(req.url ?? '/', path)
    if (name === undefined) return // not ours: Vite's HMR socket, for one
    if (name === null) return reject(socket, '400 Bad Request')
    if (!sameOrigin(req)) return reject(socket, '403 Forbidden')
    const address = addressKey(options.addressOf ? options.addressOf(req) : req.socket.remoteAddress)
    wss.handleUpgrade(req, socket, head, (ws) => {
      // 'close' always follows 'error', and leaving the room happens there.
      ws.on('error', () => {})
      admit(ws, name, address)
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
    get connectionCount() {
      let count = 0
      for (const room of rooms.values()) count += room.peers.length
      return count
    },
    close() {
      if (closed) return
      closed = true
      clearInterval(heartbeat)
      server.off('upgrade', onUpgrade)
      for (const room of rooms.values()) for (const peer of room.peers) clearTimeout(peer.idle)
      for (const ws of wss.clients) ws.close(1001, 'relay shutting down')
      rooms.clear()
      wss.close()
    },
  }
}
