import { afterEach, describe, expect, it } from 'vitest'
import { fromDataChannel, type DataChannelLike } from '../../src/transport/data-channel.js'
import type { FrameChannel } from '../../src/transport/frame-channel.js'
import { dataChannelRefusalContract, frameChannelContract, receive, within } from '../helpers/frame-channel-contract.js'
import {
  newNodeDataChannelPeerConnection,
  nodeDataChannelPair,
  rawNodeDataChannelPair,
  type RawDataChannelPair,
} from '../helpers/webrtc-pair.js'

dataChannelRefusalContract('node-datachannel', newNodeDataChannelPeerConnection)
frameChannelContract('RTCDataChannel over node-datachannel', (options) => nodeDataChannelPair(options))

describe('fromDataChannel over node-datachannel', () => {
  const cleanups: (() => unknown)[] = []
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
  })

  it('sends frames given while the channel is still connecting once it opens', async () => {
    let a: FrameChannel | undefined
    let arriving: Promise<Uint8Array[]> | undefined
    const sends: Promise<void>[] = []
    const raw = await rawNodeDataChannelPair({
      onChannel(side, dc) {
        const channel = fromDataChannel(dc)
        if (side === 'b') {
          arriving = receive(channel, 3)
          return
        }
        a = channel
        expect(dc.readyState).toBe('connecting')
        for (const size of [1, 20_000, 100_000]) sends.push(channel.send(new Uint8Array(size).fill(size & 255)))
      },
    })
    cleanups.push(() => raw.close())
    await within(Promise.all(sends), 'the early sends')
    const frames = await within(arriving!, 'the early frames')
    expect(frames.map((frame) => [frame.length, frame[0]])).toEqual([[1, 1], [20_000, 20_000 & 255], [100_000, 100_000 & 255]])
    a?.close()
  })

  async function wrappedB(): Promise<{ raw: RawDataChannelPair; b: FrameChannel }> {
    const raw = await rawNodeDataChannelPair()
    cleanups.push(() => raw.close())
    return { raw, b: fromDataChannel(raw.dcB) }
  }

  it('switches a Blob channel to ArrayBuffer messages', async () => {
    const raw = await rawNodeDataChannelPair()
    cleanups.push(() => raw.close())
    raw.dcB.binaryType = 'blob'
    const b = fromDataChannel(raw.dcB)
    expect(raw.dcB.binaryType).toBe('arraybuffer')
    const arriving = receive(b, 1)
    raw.dcA.send(new Uint8Array([0, 42]))
    expect(Array.from((await within(arriving, 'the frame'))[0]!)).toEqual([42])
  })

  it('gives a closed FrameChannel for a channel that is already closed', async () => {
    const raw = await rawNodeDataChannelPair()
    cleanups.push(() => raw.close())
    raw.dcA.close()
    await within(new Promise((resolve) => raw.dcA.addEventListener('close', resolve)), 'the channel to close')
    const reason = await within(fromDataChannel(raw.dcA).closed, 'the FrameChannel to close')
    expect(reason.code).toBe('closed')
  })

  it('closes with NetError protocol when the peer sends a text message', async () => {
    const { raw, b } = await wrappedB()
    raw.dcA.send('hello')
    const reason = await within(b.closed, 'the channel to close')
    expect(reason.code).toBe('protocol')
    expect(reason.message).toMatch(/text message/)
  })

  it('closes with NetError protocol when the peer sends a malformed chunk', async () => {
    const { raw, b } = await wrappedB()
    raw.dcA.send(new Uint8Array([7, 7, 7]))
    expect((await within(b.closed, 'the channel to close')).code).toBe('protocol')
  })

  it('removes every listener it added once closed', async () => {
    const raw = await rawNodeDataChannelPair()
    cleanups.push(() => raw.close())
    const live = new Set<unknown>()
    const dc = countListeners(raw.dcA, live)
    const a = fromDataChannel(dc)
    const pending = a.send(new Uint8Array(8 * 1024 * 1024))
    expect(live.size).toBeGreaterThan(0)
    a.close()
    await pending.catch(() => undefined)
    expect(live.size).toBe(0)
  })
})

/** The channel, with every listener added through it counted in `live` until removed. */
function countListeners(dc: RTCDataChannel, live: Set<unknown>): DataChannelLike {
  const add = dc.addEventListener.bind(dc)
  const remove = dc.removeEventListener.bind(dc)
  return Object.assign(dc, {
    addEventListener(type: string, listener: EventListener) {
      live.add(listener)
      add(type, listener)
    },
    removeEventListener(type: string, listener: EventListener) {
      live.delete(listener)
      remove(type, listener)
    },
  })
}
