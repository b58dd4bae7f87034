import { describe, expect, it } from 'vitest'
import { attack, budgetClose, emptyMaps, HeapMeter, MiB, portFrame, runAttack } from './hostile-peer.js'

// Decoding builds one value per data item: a 1 MB frame of 1e6 empty maps takes ~63 MB of heap
// and 0.4–3 s of event loop. The guard counts items before anything is built.

describe('the decoding budget', () => {
  it('one ~1 MB frame of 1e6 items is refused before it is decoded (maxItems, default 32,768)', async () => {
    const frame = portFrame('x', 'exchange', emptyMaps(999_980))
    const meter = new HeapMeter()
    meter.start()
    const a = await attack()
    const reason = await runAttack(a, meter, 4 * MiB, 1, 1, () => a.send(frame))
    expect(budgetClose(reason, 'maxItems'), String(reason)).toBe(true)
    expect(meter.peak).toBeLessThan(4 * MiB)
  })

  it('a stream of frames past the items-per-second rate closes the session (maxItemsPerSecond)', async () => {
    const frame = portFrame('x', 'exchange', emptyMaps(30_000))
    const meter = new HeapMeter()
    meter.start()
    // A low rate: the bucket holds one frame (capacity = maxItems, 32,768) and takes 3 s to refill
    // another, so even a machine that stalls for a GC between frames trips the rate long before
    // the held frames (2.9 MB charged each) fill the 64 MiB memory budget.
    const rate = 10_000
    const a = await attack({ maxItemsPerSecond: rate })
    // Frames for a key nobody opens: each is held, so only the rate can refuse them this early.
    const start = performance.now()
    const reason = await runAttack(a, meter, 64 * MiB, 100, 1, () => a.send(frame))
    const elapsed = performance.now() - start
    // At most the bucket's capacity plus what refilled meanwhile was decoded.
    const decoded = a.victim.stats.framesReceived - 1
    expect(budgetClose(reason, 'maxItemsPerSecond'), String(reason)).toBe(true)
    expect(decoded * 30_000).toBeLessThanOrEqual(32_768 + (elapsed / 1000) * rate + 30_000)
  })
})
