// The relay's checks on an HTTP upgrade request, before any WebSocket exists: is it the relay's
// path, which room, and does it come from a page of this site.
import type { IncomingMessage } from 'node:http'
import type { Duplex } from 'node:stream'
import { ROOM_NAME } from './room-id.js'


/** The relay's room for an upgrade URL: undefined if it is not the relay's path, null if the room is invalid. */
export function roomFromUrl(rawUrl: string, path: string): string | null | undefined {
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
export function sameOrigin(req: IncomingMessage): boolean {
  const origin = req.headers.origin
  if (origin === undefined) return true
  try {
    return new URL(origin).host === req.headers.host
  } catch {
    return false
  }
}

export function reject(socket: Duplex, status: string): void {
  // After 'upgrade' the http server no longer watches the socket; an unhandled
  // 'error' (client reset) would crash the dev server.
  socket.on('error', () => socket.destroy())
  socket.end(`HTTP/1.1 ${status}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`)
}
