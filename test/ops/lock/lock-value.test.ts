import { describe, expect, it } from 'vitest'
import { LockValue } from '../../../src/ops/lock/lock-value.js'

/** An object value travels as its CBOR bytes. */
const bytesOf = (wire: unknown): Uint8Array => {
  expect(wire).toBeInstanceOf(Uint8Array)
  return wire as Uint8Array
}

describe('LockValue', () => {
  it('keeps its own bytes for a committed value, not a view pinning a shared encoding buffer', () => {
    const board = (fill: number) => ({ cells: Array.from({ length: 9000 }, () => fill) }) // ~9 KB: past a shared chunk
    const value = new LockValue(board(1))
    expect(bytesOf(value.wire).buffer.byteLength).toBeLessThanOrEqual(2 * bytesOf(value.wire).byteLength)
    value.current = board(2)
    expect(value.commit()).toBe(true)
    const bytes = bytesOf(value.outgoing())
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
    expect(bytesOf(value.wire).buffer.byteLength).toBeLessThanOrEqual(2 * bytesOf(value.wire).byteLength)
  })

  it('sends a number, string or boolean as itself, any other value as its CBOR bytes; both round-trip', () => {
    for (const next of [7, 'seven', true, -0]) {
      const value = new LockValue<unknown>(0)
      value.current = next
      expect(value.commit()).toBe(!Object.is(next, 0))
      const wire = value.outgoing()
      expect(wire).toBe(Object.is(next, 0) ? undefined : next)
    }
    for (const next of [null, undefined, 7n, { n: 1 }, [1, 2], new Uint8Array([1])]) {
      const value = new LockValue<unknown>(0)
      value.current = next
      expect(value.commit()).toBe(true)
      const peer = new LockValue<unknown>(0)
      expect(peer.incoming(value.version, bytesOf(value.outgoing()))).toBe(true)
      expect(peer.current).toEqual(next)
    }
  })

  it('a value received as itself or as bytes counts as changed only when it really changes', () => {
    const counter = new LockValue(0)
    expect(counter.incoming(1, 5)).toBe(true)
    expect(counter.current).toBe(5)
    counter.current = 5
    expect(counter.commit()).toBe(false)
    counter.current = 6
    expect(counter.commit()).toBe(true)
    expect(counter.outgoing()).toBe(6)

    const sender = new LockValue({ list: [1] })
    sender.current.list.push(2)
    expect(sender.commit()).toBe(true)
    const board = new LockValue<{ list: number[] }>({ list: [] })
    board.incoming(sender.version, bytesOf(sender.outgoing()))
    // Mutated in place and back: the received bytes are what the commit compares against.
    board.current.list.push(3)
    board.current.list.pop()
    expect(board.commit()).toBe(false)
    board.current.list[0] = 9
    expect(board.commit()).toBe(true)
  })
})
