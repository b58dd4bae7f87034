/** A connected pair of `ws` WebSockets on 127.0.0.1, wrapped with `fromWebSocket`. */
import type { AddressInfo } from 'node:net'
import { WebSocket, WebSocketServer } from 'ws'
import type { FrameChannelOptions } from '../../src/transport/frame-channel.js'
import { fromWebSocket } from '../../src/transport/websocket.js'
import { connectWithin } from './loopback.js'
import type { FrameChannelPair } from './webrtc-pair.js'

/** A {@link FrameChannelPair} over a `ws` client (`a`) and the server's socket for it (`b`). */
export interface WebSocketFramePair extends FrameChannelPair {
  readonly client: WebSocket
  readonly serverSocket: WebSocket
  readonly server: WebSocketServer
}

/**
 * A `ws` server on 127.0.0.1 (port 0) and one client. The client is wrapped while it is still
 * connecting; `close()` closes both sockets and the server.
 */
export async function webSocketPair(options: FrameChannelOptions = {}): Promise<WebSocketFramePair> {
  const server = new WebSocketServer({ host: '127.0.0.1', port: 0 })
  const accepted = new Promise<WebSocket>((resolve) => server.once('connection', resolve))
  let serverSocket: WebSocket | undefined
  let client: WebSocket | undefined
  async function close(): Promise<void> {
    client?.terminate()
    serverSocket?.terminate()
    await new Promise<void>((resolve) => server.close(() => resolve()))
  }
  const connecting = (async (): Promise<WebSocketFramePair> => {
    await new Promise<void>((resolve) => server.once('listening', resolve))
    const { port } = server.address() as AddressInfo
    client = new WebSocket(`ws://127.0.0.1:${port}`)
    const a = fromWebSocket(client, options)
    serverSocket = await accepted
    const b = fromWebSocket(serverSocket, options)
    const pair = {
      a,
      b,
      client,
      serverSocket,
      server,
      async close() {
        a.close()
        b.close()
        await close()
      },
    }
    if (client.readyState !== WebSocket.OPEN) {
      await new Promise<void>((resolve) => client?.once('open', () => resolve()))
    }
    return pair
  })()
  return connectWithin('ws WebSocket pair', connecting, close)
}
