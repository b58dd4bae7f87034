import { describe, expect, it } from 'vitest'
import { memoryPair } from '../../src/transport/memory.js'

function frame(tag: number, size: number): Uint8Array {
  const bytes = new Uint8Array(size)
  bytes[0] = tag
  return bytes
}

describe('frame lanes', () => {
  it('keeps the order within a lane while other frames pass a large one', async () => {
    const [a, b] = memoryPair({ highWaterBytes: 64 * 1024, lowWaterBytes: 16 * 1024 })
    const arrived: string[] = []
    const all = new Promise<void>((resolve) => {
      b.onFrame((f) => {
        arrived.push(`${f[0]}:${f.length}`)
        if (arrived.length === 4) resolve()
      })
    })
    const sends = [
      a.send(frame(1, 1024 * 1024), 'k'), // large, lane k
      a.send(frame(2, 10), 'k'), // must wait for frame 1
      a.send(frame(3, 10), 'other'), // may pass frame 1
      a.send(frame(4, 10)), // no lane: may pass too
    ]
    await Promise.all([...sends, all])
    expect(arrived.indexOf('2:10')).toBeGreaterThan(arrived.indexOf(`1:${1024 * 1024}`))
    expect(arrived.indexOf('3:10')).toBeLessThan(arrived.indexOf(`1:${1024 * 1024}`))
    expect(arrived.indexOf('4:10')).toBeLessThan(arrived.indexOf(`1:${1024 * 1024}`))
    a.close()
  })

  it('rejects frames still waiting in a lane when the channel closes', async () => {
    const [a] = memoryPair({ highWaterBytes: 64 * 1024, lowWaterBytes: 16 * 1024 })
    const big = a.send(frame(1, 4 * 1024 * 1024), 'k')
    const behind = a.send(frame(2, 10), 'k')
    a.close()
    await expect(big).rejects.toMatchObject({ code: 'closed' })
    await expect(behind).rejects.toMatchObject({ code: 'closed' })
  })
})
