import { Decoder, Encoder } from 'cbor-x'
import { describe, expect, it } from 'vitest'
import { findCborProblem } from '../../src/codec/cbor-guard.js'
import { createFrameCodec } from '../../src/codec/codec.js'
import { decodePlain, GIVE_UP } from '../../src/codec/plain-cbor-reader.js'
import { encodePlain } from '../../src/codec/plain-cbor-writer.js'
import { prng, randomInt, seedFromEnv, type Random } from '../helpers/prng.js'

const seed = seedFromEnv()
console.log(`plain-cbor tests: SEED=${seed}`)
const limits = { maxDepth: 8, maxItems: 500 }
const options = { useRecords: false, structuredClone: false, mapsAsObjects: true, tagUint8Array: false } as const
const cbor = { encoder: new Encoder(options), decoder: new Decoder(options) }

const STRINGS = ['', 'a', 'join', 'write', 'é', '€uro', '😀', 'x'.repeat(23), 'y'.repeat(24), 'z'.repeat(300), 'k'.repeat(70_000), '\ud800']
const NUMBERS = [0, 1, 23, 24, 255, 256, 65_535, 65_536, 2 ** 32 - 1, 2 ** 32, -1, -24, -25, -(2 ** 32), -(2 ** 32) - 1, 2 ** 53 - 1, 1.5, -0, NaN, Infinity, -Infinity, Math.PI, 1e-300]

function randomValue(random: Random, depth: number): unknown {
  const pick = randomInt(random, 0, depth > 3 ? 5 : 8)
  switch (pick) {
    case 0:
      return NUMBERS[randomInt(random, 0, NUMBERS.length - 1)]
    case 1:
      return randomInt(random, -1e9, 1e9) / (random() < 0.5 ? 1 : 7)
    case 2:
      return STRINGS[randomInt(random, 0, STRINGS.length - 1)]
    case 3:
      return [true, false, null, undefined][randomInt(random, 0, 3)]
    case 4:
      return Uint8Array.from({ length: randomInt(random, 0, 40) }, () => randomInt(random, 0, 255))
    case 5:
      return String.fromCharCode(...Array.from({ length: randomInt(random, 0, 40) }, () => randomInt(random, 32, 126)))
    case 6:
      return Array.from({ length: randomInt(random, 0, 5) }, () => randomValue(random, depth + 1))
    default: {
      const record: Record<string, unknown> = {}
      for (let i = randomInt(random, 0, 5); i > 0; i--) record[STRINGS[randomInt(random, 0, 6)]! + i] = randomValue(random, depth + 1)
      return record
    }
  }
}

/** cbor-x hands byte strings back as Buffers in Node; compare contents, not classes. */
function normalize(value: unknown): unknown {
  if (value instanceof Uint8Array) return { bytes: [...value] }
  if (Array.isArray(value)) return value.map(normalize)
  if (typeof value === 'object' && value !== null) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, normalize(v)]))
  return value
}

describe('plain CBOR', () => {
  it('what it writes, cbor-x reads back as the same value, and the guard accepts', () => {
    const random = prng(seed)
    for (let i = 0; i < 3000; i++) {
      const value = randomValue(random, 0)
      const bytes = encodePlain(value, limits)
      if (bytes === undefined) continue
      expect(findCborProblem(bytes, limits)).toBeUndefined()
      expect(normalize(cbor.decoder.decode(bytes))).toEqual(normalize(value))
      const back = decodePlain(bytes, limits) // long strings are left to cbor-x
      if (back !== GIVE_UP) expect(normalize(back)).toEqual(normalize(value))
    }
  })

  it('reads what cbor-x writes as cbor-x does, or gives up', () => {
    const random = prng(seed + 1)
    let read = 0
    for (let i = 0; i < 3000; i++) {
      const bytes = cbor.encoder.encode(randomValue(random, 0))
      const value = decodePlain(bytes, limits)
      if (value === GIVE_UP) continue
      read++
      expect(normalize(value)).toEqual(normalize(cbor.decoder.decode(bytes)))
    }
    expect(read).toBeGreaterThan(2000)
  })

  it('on damaged bytes it only ever accepts what the guard accepts and cbor-x reads the same way', () => {
    const random = prng(seed + 2)
    for (let i = 0; i < 5000; i++) {
      const bytes = Uint8Array.from(cbor.encoder.encode(randomValue(random, 0)))
      for (let flips = randomInt(random, 1, 3); flips > 0; flips--) bytes[randomInt(random, 0, bytes.length - 1)] = randomInt(random, 0, 255)
      const cut = random() < 0.2 ? bytes.subarray(0, randomInt(random, 0, bytes.length)) : bytes
      const value = decodePlain(cut, limits)
      if (value === GIVE_UP) continue
      expect(findCborProblem(cut, limits)).toBeUndefined()
      expect(normalize(value)).toEqual(normalize(cbor.decoder.decode(cut)))
    }
  })

  it('gives up on anything outside the plain subset or its limits, so the guard has the last word', () => {
    const outside: unknown[] = [
      2n ** 70n, new Date(0), new Map(), new Set(), new Uint16Array(2), Symbol('s'), () => 1, new (class Point {})(),
      JSON.parse('{"__proto__": 1}'), { constructor: 1 }, [[[[[[[[[1]]]]]]]]], new Array(600).fill(0), 'x'.repeat(3 * 1024 * 1024),
    ]
    for (const value of outside) expect(encodePlain(value, limits), String(value)).toBeUndefined()
    const refused = [
      [0xd8, 0x1b, 0x83, 0x64, 0x65, 0x76, 0x61, 0x6c, 0x60, 0x60],
      [0xa1, 0x69, ...new TextEncoder().encode('__proto__'), 0x01],
      [0x01, 0x02],
      [0x9f, 0xff],
      [0xa1, 0x01, 0x02],
    ]
    for (const bytes of refused) expect(decodePlain(Uint8Array.from(bytes), limits)).toBe(GIVE_UP)
  })

  it('the codec still refuses with the guard message, both ways', () => {
    const codec = createFrameCodec(limits)
    expect(() => codec.decode(Uint8Array.from([0xd8, 0x1b, 0x83, 0x64, 0x65, 0x76, 0x61, 0x6c, 0x60, 0x60]))).toThrow(/CBOR tag 27/)
    expect(() => codec.decode(Uint8Array.from([0xa1, 0x69, ...new TextEncoder().encode('__proto__'), 0x01]))).toThrow(/__proto__/)
    expect(() => codec.encode(JSON.parse('{"__proto__": 1}'))).toThrow(/__proto__/)
    expect(() => codec.encode(new Error('x'))).toThrow(expect.objectContaining({ code: 'usage' }))
    expect(codec.decode(codec.encode({ type: 'done', ok: true }))).toEqual({ type: 'done', ok: true })
  })

  it('writes a frame larger than a chunk into a frame buffer of its own, up to the largest', () => {
    const value = [4, 'bulk', [1, Uint8Array.from({ length: 64 * 1024 }, (_, i) => i * 7), 1]]
    const frame = encodePlain(value, limits)!
    expect(frame.byteOffset).toBe(0)
    expect(frame.buffer.byteLength).toBe(128 * 1024)
    expect(findCborProblem(frame, limits)).toBeUndefined()
    expect(normalize(cbor.decoder.decode(frame))).toEqual(normalize(value))
    const text = ['t', 'x'.repeat(600 * 1024)]
    const large = encodePlain(text, limits)!
    expect(large.buffer.byteLength).toBe(2 * 1024 * 1024)
    expect(cbor.decoder.decode(large)).toEqual(text)
    // Larger than the largest frame buffer: cbor-x's, as before.
    expect(encodePlain(new Uint8Array(2 * 1024 * 1024), limits)).toBeUndefined()
  })

  it('a large frame not given back is never overwritten by later ones', () => {
    const first = encodePlain(new Uint8Array(100_000).fill(3), limits)!
    const copy = Uint8Array.from(first)
    for (let i = 0; i < 20; i++) encodePlain(new Uint8Array(100_000 + i), limits)
    expect(first).toEqual(copy)
  })

  it('frames written earlier are never overwritten by later ones', () => {
    const first = encodePlain([4, 'key', [1, 2, 'write', 3]], limits)!
    const copy = Uint8Array.from(first)
    for (let i = 0; i < 2000; i++) encodePlain(['filler', i, 'z'.repeat(i % 100)], limits)
    expect([...first]).toEqual([...copy])
  })
})

describe('hostile and re-entrant use', () => {
  const codec = createFrameCodec({ maxDepth: 64, maxItems: 100_000 })

  it('refuses a huge array count without reserving memory for it', () => {
    const bytes = new Uint8Array(32 * 1024 * 1024)
    bytes[0] = 0x9a // array, 32-bit count: one zero byte per claimed item
    new DataView(bytes.buffer).setUint32(1, bytes.length - 5)
    const before = process.memoryUsage().heapUsed
    expect(decodePlain(bytes, { maxDepth: 64, maxItems: 100_000 })).toBe(GIVE_UP)
    // Reserving the claimed length took ~8 bytes per item (~256 MB here).
    expect(process.memoryUsage().heapUsed - before).toBeLessThan(64 * 1024 * 1024)
    expect(() => codec.decode(bytes)).toThrow(/more than 100000 items|items/)
  })

  it('refuses a chain of tags deeper than the limit instead of overflowing the stack', () => {
    const bytes = new Uint8Array(200_001).fill(0xc0) // tag 0 on tag 0 on … on the integer 0
    bytes[bytes.length - 1] = 0x00
    expect(findCborProblem(bytes, { maxDepth: 64, maxItems: 1_000_000 })).toMatch(/nesting deeper than 64/)
    expect(() => codec.decode(bytes)).toThrow(expect.objectContaining({ code: 'protocol' }))
  })

  it('keeps a frame encoded by a getter while another frame was being encoded', () => {
    let inner: Uint8Array | undefined
    const value = {
      a: 1,
      get b() {
        inner = codec.encode(['keep', 'me', 1, 2, 3])
        return 2
      },
    }
    const outer = codec.encode(value)
    // Later frames must not land on top of either.
    for (let i = 0; i < 200; i++) codec.encode({ filler: 'x'.repeat(i), i })
    expect(codec.decode(outer)).toEqual({ a: 1, b: 2 })
    expect(inner).toBeDefined()
    expect(codec.decode(inner!)).toEqual(['keep', 'me', 1, 2, 3])
  })

  it('turns an exception from user code into NetError usage, and stays usable', () => {
    const boom = new Error('boom')
    const value = {
      a: [1, 2, 3],
      get b(): number {
        throw boom
      },
    }
    expect(() => codec.encode(value)).toThrow(expect.objectContaining({ code: 'usage', cause: boom }))
    expect(codec.decode(codec.encode({ after: true }))).toEqual({ after: true })
  })

  it('writes a value the same way wherever the shared buffer happens to be', () => {
    const value = { name: 'board', cells: Array.from({ length: 3000 }, (_, i) => i % 7) } // ~3 KB: more than a chunk always has free
    const expected = Uint8Array.from(codec.encode(value))
    for (let shift = 0; shift < 120; shift++) {
      codec.encode('s'.repeat(shift % 60)) // moves the writer's position by varying amounts
      expect(Uint8Array.from(codec.encode(value))).toEqual(expected)
    }
  })
})
