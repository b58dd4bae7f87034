import { Encoder } from 'cbor-x'
import { describe, expect, it } from 'vitest'
import { findCborProblem } from '../../src/codec/cbor-guard.js'

const limits = { maxDepth: 4, maxItems: 50 }
const plain = new Encoder({ useRecords: false, structuredClone: false, mapsAsObjects: true, tagUint8Array: false })
const check = (bytes: number[] | Uint8Array): string | undefined => findCborProblem(Uint8Array.from(bytes), limits)

describe('findCborProblem', () => {
  it('accepts plain data of every kind', () => {
    const values: unknown[] = [
      0, 23, 24, 255, 256, 65_535, 65_536, 2 ** 32, 2 ** 53 - 1, -1, -(2 ** 40), 1.5, Math.PI, 'x', 'é'.repeat(300),
      true, false, null, undefined, new Uint8Array(70_000), [1, [2, [3]]], { a: 1, b: 'c', nested: { d: [null] } },
      new Date(0), 2n ** 70n, new Set([1]), new Map([[1, 2]]),
    ]
    for (const value of values) expect(findCborProblem(plain.encode(value), { maxDepth: 4, maxItems: 1000 }), String(value)).toBeUndefined()
  })

  it('reads multi-byte lengths and offsets correctly (subarray frames)', () => {
    const bytes = plain.encode(['k'.repeat(70_000), new Uint8Array(300)])
    const framed = new Uint8Array(bytes.length + 3)
    framed.set(bytes, 3)
    expect(findCborProblem(framed.subarray(3), limits)).toBeUndefined()
    expect(findCborProblem(framed.subarray(3, framed.length - 1), limits)).toBe('a string longer than the frame')
  })

  it('refuses tags with powerful meanings, forbidden keys and broken framing', () => {
    expect(check([0xd8, 0x1b, 0x83, 0x64, 0x65, 0x76, 0x61, 0x6c, 0x60, 0x60])).toBe('CBOR tag 27')
    expect(check([0xd8, 0x69, 0x80])).toBe('CBOR tag 105')
    expect(check([0xa1, 0x69, ...new TextEncoder().encode('__proto__'), 0x01])).toBe('the forbidden key "__proto__"')
    expect(check([0xa1, 0x6b, ...new TextEncoder().encode('constructor'), 0x01])).toBe('the forbidden key "constructor"')
    // The same bytes as a value (not a key) are fine.
    expect(check([0x82, 0x69, ...new TextEncoder().encode('__proto__'), 0x01])).toBeUndefined()
    expect(check([0x9f, 0xff])).toBe('reserved or indefinite length (31)')
    expect(check([0x19, 0x01])).toBe('truncated')
    expect(check([0x81, 0x19, 0x01])).toBe('truncated')
    expect(check([0x82, 0x01])).toBe('a container longer than the frame')
    expect(check([0x9a, 0xff, 0xff, 0xff, 0xff])).toBe('a container longer than the frame')
    expect(check([0x01, 0x02])).toBe('trailing bytes after the item')
    expect(check([0xf0])).toBe('simple value 16')
    expect(check([0xfb, 0, 0])).toBe('truncated')
    expect(check([])).toBe('truncated')
  })

  it('enforces the depth and item limits', () => {
    expect(check(plain.encode([[[[1]]]]))).toBeUndefined()
    expect(check(plain.encode([[[[[1]]]]]))).toBe('nesting deeper than 4')
    expect(check(plain.encode(new Array(49).fill(0)))).toBeUndefined()
    expect(check(plain.encode(new Array(50).fill(0)))).toBe('more than 50 items (maxItems)')
  })

  it('keeps no reference to the last frame and stays correct after a failure', () => {
    expect(check([0xd8, 0x1b, 0x01])).toBe('CBOR tag 27')
    expect(check(plain.encode({ ok: true }))).toBeUndefined()
  })
})
