import { afterEach, describe, expect, it } from 'vitest'
import { fromDataChannel } from '../../src/transport/data-channel.js'
import { dataChannelRefusalContract, frameChannelContract, within } from '../helpers/frame-channel-contract.js'
import { isLoopbackCandidate } from '../helpers/loopback.js'
import { newWrtcPeerConnection, rawWrtcDataChannelPair, wrtcDataChannelPair } from '../helpers/webrtc-pair.js'

dataChannelRefusalContract('@roamhq/wrtc', newWrtcPeerConnection)
frameChannelContract('RTCDataChannel over @roamhq/wrtc', (options) => wrtcDataChannelPair(options))

describe('fromDataChannel over @roamhq/wrtc', () => {
  const cleanups: (() => unknown)[] = []
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
  })

  it('accepts a reliable channel although wrtc reports 65535 for unset reliability limits', async () => {
    const pc = await newWrtcPeerConnection()
    cleanups.push(() => pc.close())
    const dc = pc.createDataChannel('reliable')
    expect([dc.maxRetransmits, dc.maxPacketLifeTime]).toEqual([65535, 65535])
    fromDataChannel(dc).close()
  })

  it('relays only 127.0.0.1 candidates, whatever wrtc gathers', async () => {
    const raw = await rawWrtcDataChannelPair()
    cleanups.push(() => raw.close())
    expect(raw.candidates.relayed.length).toBeGreaterThan(0)
    expect(raw.candidates.relayed.every(isLoopbackCandidate)).toBe(true)
    const description = `${raw.pcA.remoteDescription?.sdp ?? ''}${raw.pcB.remoteDescription?.sdp ?? ''}`
    const lines = description.split(/\r\n|\n/).filter((line) => line.startsWith('a=candidate'))
    expect(lines.every(isLoopbackCandidate)).toBe(true)
  })

  it('closes with NetError protocol when the peer sends a text message', async () => {
    const raw = await rawWrtcDataChannelPair()
    cleanups.push(() => raw.close())
    const b = fromDataChannel(raw.dcB)
    raw.dcA.send('hello')
    const reason = await within(b.closed, 'the channel to close')
    expect(reason.code).toBe('protocol')
    expect(reason.message).toMatch(/text message/)
  })
})
