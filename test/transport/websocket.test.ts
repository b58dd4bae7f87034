import { afterEach, describe, expect, it } from 'vitest'
import { frameChannelContract, within } from '../helpers/frame-channel-contract.js'
import { webSocketPair, type WebSocketFramePair } from '../helpers/webrtc-pair.js'

frameChannelContract('ws WebSocket', (options) => webSocketPair(options))

describe('fromWebSocket', () => {
  let pair: WebSocketFramePair | undefined
  afterEach(async () => {
    await pair?.close()
    pair = undefined
  })

  it('closes with NetError protocol when the peer sends a text message', async () => {
    pair = await webSocketPair()
    pair.serverSocket.send('hello')
    const reason = await within(pair.a.closed, 'the channel to close')
    expect(reason.code).toBe('protocol')
    expect(reason.message).toMatch(/text message/)
  })

  it('closes with NetError protocol when the peer sends a malformed chunk', async () => {
    pair = await webSocketPair()
    pair.client.send(new Uint8Array([1, 0]))
    expect((await within(pair.b.closed, 'the channel to close')).code).toBe('protocol')
  })
})
