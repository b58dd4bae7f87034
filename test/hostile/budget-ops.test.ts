import { describe, expect, it } from 'vitest'
import { encodeChannelMessage } from '../../src/ops/channel/typed-channel-wire.js'
import { encodeLockMessage } from '../../src/ops/lock/lock-wire.js'
import type { NetMutex } from '../../src/ops/lock/mutex.js'
import { attack, budgetClose, emptyMaps, HeapMeter, MiB, portFrame, runAttack, type Attack } from './hostile-peer.js'

// The rows of issue 13's table that go through an operation the victim opened: a channel nobody
// reads, a lock the victim holds, and frames that cost more to decode than they weigh.

const BUDGET = 4 * MiB
const LIMIT = BUDGET + 4 * MiB

/** The peer's side of channel `key`: its hello, then `data` messages. */
function channelData(key: string, value: unknown): Uint8Array {
  return portFrame(key, undefined, encodeChannelMessage({ type: 'data', value, wait: false }))
}

function openPeerChannel(a: Attack, key: string): void {
  a.send(portFrame(key, 'channel', encodeChannelMessage({ type: 'hello', window: 256, windowBytes: MiB })))
}

/** A time on the victim's lock clock (µs) well behind its own: the peer's stamps only grow from it. */
const CLOCK_START = Math.floor((performance.timeOrigin + performance.now()) * 1000) - 1e9

/** The victim holds mutex `key`; the peer has said hello on it. */
async function heldMutex(a: Attack, key: string): Promise<NetMutex<number>> {
  const mutex = a.victim.mutex<number>(key, { initial: 0 })
  await mutex.lock()
  a.send(portFrame(key, 'mutex', encodeLockMessage({ type: 'hello', value: undefined, watch: false })))
  return mutex
}

function lockRequest(key: string, id: number): Uint8Array {
  return portFrame(key, undefined, encodeLockMessage({ type: 'request', id, mode: 'write', clock: CLOCK_START + id }))
}

describe('budgets of what an operation keeps', () => {
  it('channel messages past the windowBytes the receiver granted (1 MiB), nobody reading', async () => {
    const meter = new HeapMeter()
    meter.start()
    const a = await attack()
    a.victim.channel<Uint8Array>('c', { windowBytes: MiB })
    openPeerChannel(a, 'c')
    const reason = await runAttack(a, meter, LIMIT, 64, 1, () => a.send(channelData('c', new Uint8Array(256 * 1024))))
    expect(budgetClose(reason, 'windowBytes'), String(reason)).toBe(true)
    expect(meter.peak).toBeLessThan(LIMIT)
  })

  it('channel messages of 30,000 empty maps each (~2 MB of heap per 90 KB message), nobody reading', async () => {
    const meter = new HeapMeter()
    meter.start()
    const a = await attack({ maxHeldBytes: BUDGET })
    a.victim.channel('c', { windowBytes: 64 * MiB })
    openPeerChannel(a, 'c')
    const reason = await runAttack(a, meter, LIMIT, 64, 1, () => a.send(channelData('c', emptyMaps(30_000))))
    expect(budgetClose(reason, 'maxHeldBytes'), String(reason)).toBe(true)
    expect(meter.peak).toBeLessThan(LIMIT)
  })

  it('1e6 lock requests while the victim holds the lock', async () => {
    const meter = new HeapMeter()
    meter.start()
    const a = await attack({ maxHeldBytes: BUDGET })
    await heldMutex(a, 'm')
    const reason = await runAttack(a, meter, LIMIT, 1_000_000, 20_000, (i) => a.send(lockRequest('m', i + 1)))
    expect(budgetClose(reason, 'maxHeldBytes'), String(reason)).toBe(true)
    expect(meter.peak).toBeLessThan(LIMIT)
  })

  it("a cancel of a request no longer queued costs the same with 100 or 200,000 of the peer's requests queued", async () => {
    /** CPU µs for `n` cancels of requests that were never queued (odd ids), behind `queued` even ones. */
    async function cancelCost(queued: number, n: number): Promise<number> {
      const a = await attack()
      const mutex = await heldMutex(a, 'm')
      for (let i = 1; i <= queued; i++) a.send(lockRequest('m', 2 * i))
      const clock = CLOCK_START + 2 * queued
      const cancels = Array.from({ length: n }, (_, i) =>
        portFrame('m', undefined, encodeLockMessage({ type: 'cancel', id: 2 * (i % queued) + 1, clock: clock + i })),
      )
      const start = process.cpuUsage()
      for (const frame of cancels) a.send(frame)
      const { user, system } = process.cpuUsage(start)
      expect(a.victim.isClosed).toBe(false)
      expect(mutex.query().peerWaiting).toBe(queued)
      a.channel.close() // the fake peer never answers a bye
      return user + system
    }
    // The least of three: the first runs pay for compiling the paths, any run for a collection.
    const few = Math.min(await cancelCost(100, 2000), await cancelCost(100, 2000), await cancelCost(100, 2000))
    const many = await cancelCost(200_000, 2000)
    console.log(`lock cancel: ${(few / 2000).toFixed(1)} µs CPU each with 100 queued, ${(many / 2000).toFixed(1)} µs with 200,000 queued`)
    // A scan of the queue per cancel would cost ~2,000 times more with 2,000 times the queue.
    expect(many).toBeLessThan(5 * few)
  })
})
