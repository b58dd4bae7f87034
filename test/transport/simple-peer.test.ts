import { afterEach, describe, expect, it } from 'vitest'
import { frameChannelContract, within } from '../helpers/frame-channel-contract.js'
import {
  simplePeerNodeDataChannelPair,
  simplePeerWrtcPair,
  type SimplePeerFramePair,
} from '../helpers/webrtc-pair.js'

frameChannelContract('simple-peer 9 over @roamhq/wrtc', (options) => simplePeerWrtcPair(options))
frameChannelContract('simple-peer 9 over node-datachannel', (options) => simplePeerNodeDataChannelPair(options))

describe('fromSimplePeer over simple-peer 9', () => {
  let pair: SimplePeerFramePair | undefined
  afterEach(async () => {
    await pair?.close()
    pair = undefined
  })

  it('sees the peer close only its data channel', async () => {
    pair = await simplePeerWrtcPair()
    pair.peerA._channel?.close()
    expect((await within(pair.b.closed, 'the peer to see the close')).code).toBe('closed')
  })
})
