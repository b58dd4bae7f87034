import { describe, expect, it } from 'vitest'
import { Session } from '../../src/session.js'
import { fromDataChannel } from '../../src/transport/data-channel.js'
import { encodeWhole } from '../../src/transport/chunk-codec.js'
import { FakeDataChannel } from '../helpers/fake-data-channel.js'
import { attack, bigFrames, budgetClose, emptyMaps, firstChunk, HeapMeter, MiB, nextChunk, portFrame, runAttack } from './hostile-peer.js'

// Each test is one row of issue 13's table: a peer that completed the handshake honestly sends
// well-formed traffic over the real DataChannel adapter that the victim would have held without
// bound. The victim must close with `protocol` naming its memory budget, its heap must stay
// within the budget plus a margin for the test's own noise, and the process must go on.

const BUDGET = 4 * MiB
const LIMIT = BUDGET + 4 * MiB

describe('the session memory budget (maxHeldBytes)', () => {
  it('messages for keys never opened here, each 30,000 empty maps (~2 MB of heap per 90 KB frame)', async () => {
    const meter = new HeapMeter()
    meter.start()
    const a = await attack({ maxHeldBytes: BUDGET })
    const frame = portFrame('x', 'exchange', emptyMaps(30_000))
    const reason = await runAttack(a, meter, LIMIT, 400, 1, (i) => a.send(i === 0 ? frame : portFrame(`k${i}`, 'exchange', emptyMaps(30_000))))
    expect(budgetClose(reason, 'maxHeldBytes'), String(reason)).toBe(true)
    expect(meter.peak).toBeLessThan(LIMIT)
  })

  it('16 MiB messages for keys never opened here, at the default budget (64 MiB)', async () => {
    const frame = bigFrames(16 * MiB - 64)
    const meter = new HeapMeter()
    meter.start()
    const a = await attack()
    const limit = 64 * MiB + 16 * MiB
    const reason = await runAttack(a, meter, limit, 32, 1, (i) => a.send(frame(i)))
    expect(budgetClose(reason, 'maxHeldBytes'), String(reason)).toBe(true)
    expect(meter.peak).toBeLessThan(limit)
  })

  it('an unfinished chunked frame followed by 1-byte "next" chunks (each held ~216 bytes)', async () => {
    const meter = new HeapMeter()
    meter.start()
    const a = await attack({ maxHeldBytes: BUDGET })
    a.dc.deliver(firstChunk(1, 4 * MiB, 100))
    const reason = await runAttack(a, meter, LIMIT, 2_000_000, 4_000, () => a.dc.deliver(nextChunk(1, 1)))
    expect(budgetClose(reason, 'maxHeldBytes'), String(reason)).toBe(true)
    expect(meter.peak).toBeLessThan(LIMIT)
  })

  it('an empty "next" chunk is a protocol error', async () => {
    const a = await attack({ maxHeldBytes: BUDGET })
    a.dc.deliver(firstChunk(1, 1024, 100))
    a.dc.deliver(nextChunk(1, 0))
    const reason = await a.victim.closed
    expect(reason.code).toBe('protocol')
    expect(reason.message).toContain('an empty chunk')
  })

  it('256 unfinished chunked frames of 2 MiB, 256 KiB received of each', async () => {
    const meter = new HeapMeter()
    meter.start()
    const a = await attack({ maxHeldBytes: BUDGET })
    const reason = await runAttack(a, meter, LIMIT, 256, 4, (i) => a.dc.deliver(firstChunk(i, 2 * MiB, 256 * 1024)))
    expect(budgetClose(reason, 'maxHeldBytes'), String(reason)).toBe(true)
    expect(meter.peak).toBeLessThan(LIMIT)
  })

  it('48 frames of 16 MiB before Session.open, at the default budget', async () => {
    const frame = bigFrames(16 * MiB - 64)
    const meter = new HeapMeter()
    meter.start()
    const dc = new FakeDataChannel()
    const channel = fromDataChannel(dc)
    const limit = 64 * MiB + 16 * MiB
    for (let i = 0; i < 48 && !channel.isClosed; i++) {
      dc.deliver(encodeWhole(frame(i)))
      if (meter.sample() > limit) break
    }
    expect(channel.isClosed, `grew ${meter.peak} bytes`).toBe(true)
    expect(budgetClose(await channel.closed, 'maxHeldBytes'), String(await channel.closed)).toBe(true)
    await expect(Session.open(channel, { role: 'leader' })).rejects.toMatchObject({ code: 'protocol' })
    expect(meter.peak).toBeLessThan(limit)
  })
})
