import { afterEach, describe, expect, it } from 'vitest'
import { frameChannelContract, within } from '../helpers/frame-channel-contract.js'
import { thaunknownSimplePeerPair, type SimplePeerFramePair } from '../helpers/webrtc-pair.js'

frameChannelContract('@thaunknown/simple-peer 10', (options) => thaunknownSimplePeerPair(options))

describe('fromSimplePeer over @thaunknown/simple-peer 10', () => {
  let pair: SimplePeerFramePair | undefined
  afterEach(async () => {
    await pair?.close()
    pair = undefined
  })

  it('sees the peer close only its data channel (version 10 then emits `end`, not `close`)', async () => {
    pair = await thaunknownSimplePeerPair()
    pair.peerA._channel?.close()
    expect((await within(pair.b.closed, 'the peer to see the close')).code).toBe('closed')
  })
})
