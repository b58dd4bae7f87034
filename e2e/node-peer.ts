// A Node peer for the relay: joins a room over a `ws` WebSocket, like support/signalling.ts does in
// the browser, and connects a simple-peer 9 over @roamhq/wrtc to whoever is in the room.
import type SimplePeer from 'simple-peer'
import { WebSocket } from 'ws'
import type { ClientMessage, RelayMessage } from '../support/relay-messages.js'
import type { SimplePeerLike } from '../src/index.js'
import { interopDefault } from '../test/helpers/interop.js'

export interface NodePeer {
  /** The connected peer, typed as netbeam's adapter takes it. */
  readonly peer: SimplePeerLike
  readonly initiator: boolean
  /** Candidates this side gathered and sent (the relay passes on only 127.0.0.1 in test mode). */
  readonly candidatesOut: string[]
  close(): void
}

const CONNECT_TIMEOUT_MS = 20_000

/** Joins `room` on the relay at `relayUrl` and resolves once the WebRTC peer is connected. */
export async function connectNodePeer(relayUrl: string, room: string): Promise<NodePeer> {
  const Peer = interopDefault<typeof SimplePeer>(await import('simple-peer'))
  const wrtc = interopDefault<SimplePeer.Options['wrtc']>(await import('@roamhq/wrtc'))
  const url = new URL(relayUrl)
  url.searchParams.set('room', room)
  const ws = new WebSocket(url)
  const candidatesOut: string[] = []
  let peer: SimplePeer.Instance | undefined
  let pairing = 0
  let keepalive: ReturnType<typeof setInterval> | undefined
  ws.on('close', () => clearInterval(keepalive))

  const close = (): void => {
    clearInterval(keepalive)
    if (peer) {
      peer.destroy()
      // simple-peer 9 never clears this timer on destroy; it would keep the worker busy 5 s.
      clearTimeout((peer as unknown as { _iceCompleteTimer?: ReturnType<typeof setTimeout> })._iceCompleteTimer)
    }
    ws.terminate()
  }

  return new Promise<NodePeer>((resolve, reject) => {
    const timer = setTimeout(() => fail(new Error(`Node peer: no connection in room ${room} within ${CONNECT_TIMEOUT_MS} ms`)), CONNECT_TIMEOUT_MS)
    let settled = false
    function fail(err: Error): void {
      if (settled) return
      settled = true
      clearTimeout(timer)
      close()
      reject(err)
    }
    ws.on('error', (err) => fail(err))
    ws.on('close', () => fail(new Error('Node peer: the relay closed the connection before the peer connected')))
    ws.on('message', (raw) => {
      const msg = JSON.parse(String(raw)) as RelayMessage
      if (msg.type === 'joined') {
        // The relay closes a socket that sends nothing for four of these (relay-messages.ts).
        const ping: ClientMessage = { type: 'keepalive' }
        keepalive = setInterval(() => ws.send(JSON.stringify(ping)), msg.keepaliveMs)
      } else if (msg.type === 'start') {
        pairing = msg.pairing
        const p = new Peer({ initiator: msg.initiator, trickle: true, wrtc, config: { iceServers: [] } })
        peer = p
        p.on('signal', (data: SimplePeer.SignalData) => {
          if (data.type === 'candidate') candidatesOut.push(data.candidate.candidate)
          const out: ClientMessage = { type: 'signal', pairing: msg.pairing, data }
          ws.send(JSON.stringify(out))
        })
        p.on('error', (err: Error) => fail(err))
        p.once('connect', () => {
          if (settled) return
          settled = true
          clearTimeout(timer)
          resolve({ peer: p as unknown as SimplePeerLike, initiator: msg.initiator, candidatesOut, close })
        })
      } else if (msg.type === 'signal' && peer && msg.pairing === pairing) {
        peer.signal(msg.data as SimplePeer.SignalData)
      } else if (msg.type === 'peer-left' && !settled) {
        fail(new Error('Node peer: the browser left the room before connecting'))
      } else if (msg.type === 'room-full' || msg.type === 'error') {
        fail(new Error(`Node peer: relay refused (${msg.type})`))
      }
    })
  })
}
