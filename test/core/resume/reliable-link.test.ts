import { describe, expect, it } from 'vitest'
import { createFrameCodec } from '../../../src/codec/codec.js'
import { NetError } from '../../../src/base/errors.js'
import { linkPair, payload, type LinkEnd } from './link-pair.js'

const delivered = (end: LinkEnd, count: number): Promise<void> => end.until(() => end.delivered.length >= count)
const codec = createFrameCodec({ maxDepth: 64, maxItems: 32_768 })

describe('ReliableLink', () => {
  it('numbers frames per direction and piggybacks cumulative acks, with no extra frame', async () => {
    const [a, b] = linkPair()
    await Promise.all([1, 2, 3].map((n) => a.link.sendSequenced(payload(`a${n}`), undefined)))
    await delivered(b, 3)
    expect(b.envelopes).toEqual([[1, 0], [2, 0], [3, 0]])
    expect(b.link.received).toBe(3)
    expect(a.link.buffer.heldFrames).toBe(3)

    await Promise.all([b.link.sendSequenced(payload('b1'), undefined), b.link.sendSequenced(payload('b2'), undefined)])
    await delivered(a, 2)
    expect(a.envelopes).toEqual([[1, 3], [2, 3]])
    expect(a.link.buffer.heldFrames).toBe(0)
    expect(a.link.buffer.heldBytes).toBe(0)
    expect(b.link.buffer.heldFrames).toBe(2)

    await a.link.sendUnsequenced([1, 7, 0])
    await delivered(b, 4)
    expect(b.delivered.at(-1)).toEqual({ wire: [1, 7, 0], sequenced: false })
    expect(b.envelopes.at(-1)).toEqual([0, 2])
    expect(b.link.buffer.heldFrames).toBe(0)
    // Every frame on the wire was one the caller sent: no ack-only frames in request/answer traffic.
    expect([a.envelopes.length, b.envelopes.length]).toEqual([2, 4])
  })

  it('bounds the written, unacknowledged bytes and makes sends wait until an ack makes room', async () => {
    const limit = 1000
    const [a, b] = linkPair({ retransmitBytes: limit }, { peerRetransmitBytes: 1e9 })
    const written: boolean[] = []
    const sends = Array.from({ length: 10 }, (_, i) => a.link.sendSequenced(payload(`k${i}`, 300), 'lane').then(() => void (written[i] = true)))
    const frameBytes = a.link.buffer.heldBytes / 10
    expect(a.link.buffer.waitingFrames).toBe(6)
    expect(a.link.buffer.inFlightBytes).toBeGreaterThanOrEqual(limit)
    expect(a.link.buffer.inFlightBytes).toBeLessThan(limit + frameBytes)
    await Promise.all(sends.slice(0, 4))
    await delivered(b, 4)
    expect(written.filter(Boolean)).toHaveLength(4)
    expect(a.link.buffer.waitingFrames).toBe(6)

    await b.link.sendSequenced(payload('ack-carrier'), undefined)
    await delivered(b, 8)
    expect(a.link.buffer.waitingFrames).toBe(2)
    await b.link.sendSequenced(payload('ack-carrier-2'), undefined)
    await Promise.all(sends)
    await delivered(b, 10)
    expect(b.delivered.map((f) => f.wire[1])).toEqual(Array.from({ length: 10 }, (_, i) => `k${i}`))
  })

  it('sends an ack alone when bulk flows one way, a bounded number of times', async () => {
    const limit = 4000
    const [a, b] = linkPair({ retransmitBytes: limit }, { peerRetransmitBytes: limit })
    let maxInFlight = 0
    const sends = Array.from({ length: 200 }, (_, i) => {
      const sent = a.link.sendSequenced(payload(`bulk${i}`, 300), 'bulk')
      maxInFlight = Math.max(maxInFlight, a.link.buffer.inFlightBytes)
      return sent
    })
    await Promise.all(sends)
    await delivered(b, 200)
    const frameBytes = 320
    expect(maxInFlight).toBeLessThan(limit + frameBytes)
    expect(a.delivered).toHaveLength(0)
    expect(a.envelopes.every(([seq]) => seq === 0)).toBe(true)
    // One ack per quarter of the limit received, at most.
    expect(a.envelopes.length).toBeGreaterThan(0)
    expect(a.envelopes.length).toBeLessThanOrEqual(Math.ceil((200 * frameBytes) / (limit / 4)) + 1)
  })

  it('tracks frames that overtake a chunked frame, and drops every retransmitted duplicate', async () => {
    // A small transport buffer makes the sender wait between chunks, so the small frames pass.
    const [a, b] = linkPair({}, {}, { chunkBytes: 1024, highWaterBytes: 1024, lowWaterBytes: 0 })
    const sends = [a.link.sendSequenced(payload('big', 20_000), 'big')]
    for (let i = 0; i < 5; i++) sends.push(a.link.sendSequenced(payload(`small${i}`), 'small'))
    await Promise.all(sends)
    await delivered(b, 6)
    const order = b.envelopes.map(([seq]) => seq)
    expect(order.indexOf(1)).toBeGreaterThan(0)
    expect(b.link.received).toBe(6)
    expect(b.budget.held).toBe(0)

    a.link.detach()
    a.link.attach(0)
    await b.until(() => b.envelopes.length === 12)
    expect(b.delivered).toHaveLength(6)
    expect(b.error).toBeUndefined()
  })

  it('refuses a resume point outside what this side holds (a sequence gap)', async () => {
    const [a, b] = linkPair()
    await Promise.all([1, 2, 3].map((n) => a.link.sendSequenced(payload(`a${n}`), undefined)))
    await delivered(b, 3)
    await b.link.sendSequenced(payload('ack'), undefined)
    await delivered(a, 1)
    expect(a.link.buffer.heldFrames).toBe(0)
    a.link.detach()
    expect(() => a.link.attach(2)).toThrow(/sequence gap/)
    expect(() => a.link.attach(5)).toThrow(/sequence gap/)
    a.link.attach(3)
    await a.link.sendSequenced(payload('a4'), undefined)
    await delivered(b, 4)
    expect(b.envelopes.at(-1)).toEqual([4, 1])
  })

  it.each([
    ['an ack for a frame never sent', [8, 0, 99], /ack for frame 99/],
    ['a sequence number far ahead', [8, 2 ** 20 + 5, 0, 4, 'k', 1], /at most 1048576 ahead/],
    ['a negative sequence number', [8, -1, 0, 4, 'k', 1], /envelope/],
    ['a sequenced frame with nothing in it', [8, 1, 0], /nothing in it/],
  ])('closes on %s (protocol)', async (_, frame, message) => {
    const [a, b] = linkPair()
    await a.channel.send(codec.encode(frame))
    await b.until(() => b.error !== undefined)
    expect(b.error).toBeInstanceOf(NetError)
    expect(b.error!.code).toBe('protocol')
    expect(b.error!.message).toMatch(message)
  })

  it('rejects every send not yet written out with the reason when stopped', async () => {
    const [a] = linkPair({ retransmitBytes: 100 })
    const first = a.link.sendSequenced(payload('x', 200), undefined)
    const waiting = a.link.sendSequenced(payload('y', 200), undefined)
    expect(a.link.buffer.waitingFrames).toBe(1)
    const reason = new NetError('timeout', 'grace expired')
    a.link.stop(reason)
    await expect(first).rejects.toBe(reason)
    await expect(waiting).rejects.toBe(reason)
    await expect(a.link.sendSequenced(payload('z'), undefined)).rejects.toBe(reason)
    expect(a.link.buffer.heldBytes).toBe(0)
  })
})
