import { describe, expect, it } from 'vitest'
import { IdQueue } from '../../../src/ops/lock/id-queue.js'

const req = (id: number) => ({ id })

describe('IdQueue', () => {
  it('keeps order and ids across emptying, draining and compaction', () => {
    const q = new IdQueue<{ id: number }>()
    expect(q.drain()).toEqual([])
    // Emptied by removals (the queue restarts its array), then reused: ids still map to their slots.
    q.push(req(1))
    q.push(req(2))
    expect(q.shift()).toEqual(req(1))
    expect(q.delete(2)).toBe(true)
    expect(q.size).toBe(0)
    q.push(req(3))
    q.push(req(4))
    expect(q.get(4)).toEqual(req(4))
    expect(q.drain()).toEqual([req(3), req(4)])
    expect(q.get(3)).toBeUndefined()
    // Past 64 slots with half of them holes: compaction keeps every remaining id reachable.
    for (let id = 10; id < 110; id++) q.push(req(id))
    for (let id = 10; id < 110; id += 2) q.delete(id)
    expect(q.size).toBe(50)
    expect(q.get(11)).toEqual(req(11))
    expect(q.get(109)).toEqual(req(109))
    expect(q.first()).toEqual(req(11))
    expect([...q].map((r) => r.id)).toEqual(Array.from({ length: 50 }, (_, i) => 11 + 2 * i))
    q.push(req(200))
    expect(q.drain().at(-1)).toEqual(req(200))
    expect(q.size).toBe(0)
  })
})
