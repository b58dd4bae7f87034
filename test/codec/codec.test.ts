import { Decoder } from 'cbor-x'
import { describe, expect, it } from 'vitest'
import { createFrameCodec } from '../../src/codec/codec.js'
import { prng, randomInt, seedFromEnv, type Random } from '../helpers/prng.js'

const seed = seedFromEnv()
console.log(`codec tests: SEED=${seed}`)
const limits = { maxDepth: 8, maxItems: 500 }
const plainDecoder = new Decoder({ useRecords: false, structuredClone: false, mapsAsObjects: true })

// No lone surrogates: they are not text, and arrive as U+FFFD (as TextEncoder would send them).
const STRINGS = ['', 'a', 'join', 'é', '€uro', '😀', 'x'.repeat(23), 'y'.repeat(24), 'z'.repeat(300)]
const NUMBERS = [0, 1, 23, 24, 255, 256, 65_535, 65_536, 2 ** 32 - 1, 2 ** 32, -1, -25, -(2 ** 32) - 1, 2 ** 53 - 1, 1.5, NaN, Infinity, -Infinity, Math.PI]

function randomValue(random: Random, depth: number): unknown {
  switch (randomInt(random, 0, depth > 3 ? 4 : 6)) {
    case 0:
      return NUMBERS[randomInt(random, 0, NUMBERS.length - 1)]
    case 1:
      return STRINGS[randomInt(random, 0, STRINGS.length - 1)]
    case 2:
      return [true, false, null, undefined][randomInt(random, 0, 3)]
    case 3:
      return Uint8Array.from({ length: randomInt(random, 0, 40) }, () => randomInt(random, 0, 255))
    case 4:
      return randomInt(random, -1e9, 1e9) / 7
    case 5:
      return Array.from({ length: randomInt(random, 0, 5) }, () => randomValue(random, depth + 1))
    default: {
      const record: Record<string, unknown> = {}
      for (let i = randomInt(random, 0, 5); i > 0; i--) record[STRINGS[randomInt(random, 0, 5)]! + i] = randomValue(random, depth + 1)
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

describe('frame codec', () => {
  const codec = createFrameCodec(limits)

  it('round-trips plain values, and what it writes is plain CBOR any decoder reads the same way', () => {
    const random = prng(seed)
    for (let i = 0; i < 2000; i++) {
      const value = randomValue(random, 0)
      const bytes = codec.encode(value)
      expect(normalize(codec.decode(bytes))).toEqual(normalize(value))
      expect(normalize(plainDecoder.decode(bytes))).toEqual(normalize(value))
    }
  })

  it('refuses with the guard message, both ways', () => {
    expect(() => codec.decode(Uint8Array.from([0xd8, 0x1b, 0x83, 0x64, 0x65, 0x76, 0x61, 0x6c, 0x60, 0x60]))).toThrow(/CBOR tag 27/)
    expect(() => codec.decode(Uint8Array.from([0xa1, 0x69, ...new TextEncoder().encode('__proto__'), 0x01]))).toThrow(/__proto__/)
    expect(() => codec.encode(JSON.parse('{"__proto__": 1}'))).toThrow(/__proto__/)
    expect(() => codec.encode([[[[[[[[[1]]]]]]]]])).toThrow(expect.objectContaining({ code: 'usage' }))
    expect(() => codec.decode(Uint8Array.from([0x01, 0x02]))).toThrow(expect.objectContaining({ code: 'protocol' }))
  })

  it('frames written earlier are never overwritten by later ones, small or large', () => {
    const first = codec.encode([4, 'key', [1, 2, 'write', 3]])
    const large = codec.encode([4, 'bulk', [1, new Uint8Array(100_000).fill(3)]])
    const copies = [Uint8Array.from(first), Uint8Array.from(large)]
    for (let i = 0; i < 300; i++) codec.encode(['filler', i, 'z'.repeat(i % 100), new Uint8Array((i % 10) * 3000)])
    expect([Uint8Array.from(first), Uint8Array.from(large)]).toEqual(copies)
  })

  it('writes a value the same way wherever the shared buffer happens to be (locks compare bytes)', () => {
    const value = { name: 'board', cells: Array.from({ length: 300 }, (_, i) => i % 7) }
    const wide = createFrameCodec({ maxDepth: 8, maxItems: 1000 })
    const expected = Uint8Array.from(wide.encode(value))
    for (let shift = 0; shift < 120; shift++) {
      wide.encode('s'.repeat(shift % 60)) // moves the writer's position by varying amounts
      expect(Uint8Array.from(wide.encode(value))).toEqual(expected)
    }
  })

  it('byte strings it decoded keep their bytes while later frames, small or large, are decoded', () => {
    const sizes = [0, 1, 40, 3000, 20_000, 100_000]
    const frames = sizes.map((n, i) => Uint8Array.from(codec.encode([4, 'bytes', new Uint8Array(n).fill(i + 1)])))
    const decoded = frames.map((frame) => codec.decode(frame) as [number, string, Uint8Array])
    for (let i = 0; i < 50; i++) codec.decode(codec.encode(['filler', new Uint8Array((i % 7) * 1000).fill(0xee), 'x'.repeat(i)]))
    sizes.forEach((n, i) => expect(decoded[i]![2]).toEqual(new Uint8Array(n).fill(i + 1)))
    // …and the frames they came from are left as they were.
    frames.forEach((frame, i) => expect(codec.decode(frame)).toEqual(decoded[i]))
    // Typed arrays other than bytes arrive by tag, each with its own buffer.
    const floats = codec.decode(codec.encode([Float64Array.of(1.5, -2), Uint16Array.of(7, 9)]))
    codec.decode(codec.encode([new Uint8Array(64).fill(0xee)]))
    expect(floats).toEqual([Float64Array.of(1.5, -2), Uint16Array.of(7, 9)])
  })
})

describe('hostile and re-entrant use', () => {
  const codec = createFrameCodec({ maxDepth: 64, maxItems: 100_000 })

  it('refuses a huge array count without reserving memory for it', () => {
    const bytes = new Uint8Array(32 * 1024 * 1024)
    bytes[0] = 0x9a // array, 32-bit count: one zero byte per claimed item
    new DataView(bytes.buffer).setUint32(1, bytes.length - 5)
    const before = process.memoryUsage().heapUsed
    expect(() => codec.decode(bytes)).toThrow(/more than 100000 items/)
    // Reserving the claimed length would take ~8 bytes per item (~256 MB here).
    expect(process.memoryUsage().heapUsed - before).toBeLessThan(64 * 1024 * 1024)
  })

  it('refuses a chain of tags deeper than the limit instead of overflowing the stack', () => {
    const bytes = new Uint8Array(200_001).fill(0xc0) // tag 0 on tag 0 on … on the integer 0
    bytes[bytes.length - 1] = 0x00
    expect(() => codec.decode(bytes)).toThrow(expect.objectContaining({ code: 'protocol', message: expect.stringMatching(/nesting deeper than 64/) }))
  })

  it('refuses a frame encoded from a getter of the value being encoded, and keeps the outer frame whole', () => {
    let inner: unknown
    const value = {
      a: 1,
      get b() {
        try {
          codec.encode(['sent', 'from', 'a', 'getter'])
        } catch (err) {
          inner = err
        }
        return 2
      },
    }
    // cbor-x's writer state is shared by every encoder: a nested encode would garble the outer one.
    const outer = codec.encode(value)
    expect(inner).toMatchObject({ code: 'usage', message: expect.stringMatching(/getter or proxy/) })
    expect(codec.decode(outer)).toEqual({ a: 1, b: 2 })
    expect(codec.decode(codec.encode(['after', 1]))).toEqual(['after', 1])
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
})
