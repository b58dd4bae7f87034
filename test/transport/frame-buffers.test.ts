import { describe, expect, it } from 'vitest'
import { memoryPair } from '../../src/transport/memory.js'
import { giveBackFrame, takeFrameBuffer } from '../../src/transport/frame-buffers.js'
import { encodePlain } from '../../src/codec/plain-cbor-writer.js'

const limits = { maxDepth: 8, maxItems: 500 }

describe('frame buffers', () => {
  it('hands a buffer out again only after it was given back, and only once', () => {
    const a = takeFrameBuffer(0)
    const b = takeFrameBuffer(0)
    expect(b.buffer).not.toBe(a.buffer)
    giveBackFrame(a.subarray(0, 10))
    giveBackFrame(a) // a second give-back of the same buffer is ignored
    giveBackFrame(new Uint8Array(128 * 1024)) // so is a buffer that was never lent
    const c = takeFrameBuffer(0)
    expect(c.buffer).toBe(a.buffer)
    expect(takeFrameBuffer(0).buffer).not.toBe(a.buffer)
  })

  it('the framing layer gives a queued frame back only once it is on the wire', async () => {
    const [tx, rx] = memoryPair({ highWaterBytes: 64 * 1024, lowWaterBytes: 16 * 1024 })
    const received: Uint8Array[] = []
    rx.onFrame((frame) => received.push(Uint8Array.from(frame)))
    const frames = [1, 2, 3, 4].map((n) => encodePlain([n, new Uint8Array(100_000).fill(n)], limits)!)
    // All four are queued behind the high-water mark at once: no two may share a buffer.
    expect(new Set(frames.map((f) => f.buffer)).size).toBe(4)
    const copies = frames.map((f) => Uint8Array.from(f))
    const sent = frames.map((f) => tx.send(f))
    // The first went out at once (and is free again); the others wait behind the high-water mark
    // and must not be written over meanwhile.
    const waiting = frames.slice(1).map((f) => f.buffer)
    for (let i = 0; i < 4; i++) expect(waiting).not.toContain(encodePlain(new Uint8Array(90_000), limits)!.buffer)
    expect(tx.bufferedAmount).toBeGreaterThan(3 * 100_000)
    await Promise.all(sent)
    await new Promise((resolve) => setTimeout(resolve, 20))
    expect(received).toEqual(copies)
    // Sent, so recycled: the next large frame reuses one of their buffers.
    expect(frames.map((f) => f.buffer)).toContain(encodePlain(new Uint8Array(90_000), limits)!.buffer)
    tx.close()
  })
})
