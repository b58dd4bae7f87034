import { describe, expect, it } from 'vitest'
import { LockValue } from '../../../src/ops/lock/lock-value.js'

describe('LockValue', () => {
  it('keeps its own bytes for a committed value, not a view pinning a shared encoding buffer', () => {
    const board = (fill: number) => ({ cells: Array.from({ length: 9000 }, () => fill) }) // ~9 KB: past a shared chunk
    const value = new LockValue(board(1))
    expect(value.bytes.buffer.byteLength).toBeLessThanOrEqual(2 * value.bytes.byteLength)
    value.current = board(2)
    expect(value.commit()).toBe(true)
    const bytes = value.outgoing()!
    expect(bytes.buffer.byteLength).toBeLessThanOrEqual(2 * bytes.byteLength)
    // The kept bytes still carry the value to a peer.
    const peer = new LockValue<{ cells: number[] } | undefined>(undefined)
    expect(peer.incoming(value.version, bytes)).toBe(true)
    expect(peer.current).toEqual(board(2))
  })

  it('keeps a small object value without pinning the 8 KiB chunk it was written into', () => {
    const value = new LockValue({ score: 1 })
    value.current = { score: 2 }
    value.commit()
    expect(value.bytes.buffer.byteLength).toBeLessThanOrEqual(2 * value.bytes.byteLength)
  })
})
