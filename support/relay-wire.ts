// The relay's side of relay-messages.ts: reading a client's raw WebSocket message, and sending
// or refusing with a message and a close code.
import { WebSocket, type RawData } from 'ws'
import type { ClientMessage, RelayMessage } from './relay-messages.js'

/** How long a socket told to close may take to answer the closing handshake before it is cut. */
const CLOSE_GRACE_MS = 1000

/** Bytes of a message as ws hands it over (a Buffer, an ArrayBuffer or fragments). */
export function rawSize(raw: RawData): number {
  if (Array.isArray(raw)) return raw.reduce((sum, part) => sum + part.byteLength, 0)
  return raw.byteLength
}

function rawText(raw: RawData): string {
  if (Array.isArray(raw)) return Buffer.concat(raw).toString('utf8')
  return Buffer.from(raw instanceof ArrayBuffer ? new Uint8Array(raw) : raw).toString('utf8')
}

/** The client message in a text frame, or undefined for anything else. */
export function parseClientMessage(raw: RawData, isBinary: boolean): ClientMessage | undefined {
  if (isBinary) return undefined
  let msg: unknown
  try {
    msg = JSON.parse(rawText(raw))
  } catch {
    return undefined
  }
  if (typeof msg !== 'object' || msg === null) return undefined
  const { type, pairing, data } = msg as Record<string, unknown>
  if (type === 'keepalive') return { type }
  if (type !== 'signal' || typeof pairing !== 'number' || !Number.isSafeInteger(pairing)) return undefined
  return { type, pairing, data }
}

export function send(ws: WebSocket, msg: RelayMessage): void {
  if (ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify(msg))
}

/**
 * Sends `msg`, then closes with `code`. A client that does not complete the closing handshake
 * (a flooder, say) is cut off after a second rather than the 30 s ws would wait.
 */
export function sendAndClose(ws: WebSocket, msg: RelayMessage, code: number, reason: string): void {
  send(ws, msg)
  ws.close(code, reason)
  const cut = setTimeout(() => ws.terminate(), CLOSE_GRACE_MS).unref()
  ws.once('close', () => clearTimeout(cut))
}
