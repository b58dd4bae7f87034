/**
 * Encode + decode of session frames and typical values: the session codec (cbor-x + guard) next to
 * cborg, the strict CBOR library it was measured against. Timed in rotating blocks so that every
 * codec sees the same drift (JIT, heap), as CPU time so that other load on the machine counts
 * less. Each codec's round trip is checked against the value before it is timed.
 */
import { decode as cborgDecode, encode as cborgEncode } from 'cborg'
import { isDeepStrictEqual } from 'node:util'
import { createFrameCodec } from '../../src/codec/codec.js'
import { encodeSessionFrame } from '../../src/core/wire.js'
import { summarize } from './stats.js'

/** One way to turn a value into bytes and back. */
export interface CodecUnderTest {
  readonly name: string
  readonly encode: (value: unknown) => Uint8Array
  readonly decode: (bytes: Uint8Array) => unknown
}

/** The session's default decoding limits. */
const LIMITS = { maxDepth: 64, maxItems: 1_000_000 }
/** cborg as strict as it goes: no indefinite lengths, no duplicate keys, keys kept in order. */
const CBORG_DECODE = { allowIndefinite: false, rejectDuplicateMapKeys: true, strict: true } as const
const CBORG_ENCODE = { mapSorter: undefined } as const

export function codecsUnderTest(): CodecUnderTest[] {
  const session = createFrameCodec(LIMITS)
  return [
    { name: 'cbor-x + guard', encode: (v) => session.encode(v), decode: (b) => session.decode(b) },
    { name: 'cborg (strict)', encode: (v) => cborgEncode(v, CBORG_ENCODE), decode: (b) => cborgDecode(b, CBORG_DECODE) },
  ]
}

const PAD = 'x'.repeat(40)

/** What goes through the codec: every session frame kind, then typical user values. */
export function codecCases(): { name: string; value: unknown }[] {
  const frame = (f: Parameters<typeof encodeSessionFrame>[0]): unknown => encodeSessionFrame(f)
  return [
    { name: 'frame: hello', value: frame({ type: 'hello', version: 2, nonce: 0.7316, round: 0, role: null, maxFrameBytes: 64 << 20 }) },
    { name: 'frame: ping', value: frame({ type: 'ping', id: 4711, t0: 1733493011234.125 }) },
    { name: 'frame: pong', value: frame({ type: 'pong', id: 4711, t0: 1733493011234.125, t1: 1733493011234.5, t2: 1733493011234.625 }) },
    { name: 'frame: port (join done)', value: frame({ type: 'port', key: 'join#42', kind: 'join', message: { type: 'done', ok: true } }) },
    { name: 'frame: port (lock grant)', value: frame({ type: 'port', key: 'score', kind: undefined, message: [3, 17, 9, 4, Uint8Array.of(1, 2, 3), 1733493011234567, []] }) },
    { name: 'frame: port (channel data)', value: frame({ type: 'port', key: 'moves', kind: undefined, message: [1, { i: 12, at: 1733493011234.1, pad: PAD }] }) },
    { name: 'frame: bye', value: frame({ type: 'bye', code: 'closed', reason: 'the peer closed the session' }) },
    { name: 'frame: cancel', value: frame({ type: 'cancel', key: 'select#7' }) },
    { name: 'frame: cancelled', value: frame({ type: 'cancelled', key: 'select#7' }) },
    { name: 'value: small object', value: { name: 'ada', score: 42, ready: true, tags: ['a', 'b'] } },
    { name: 'value: move', value: { x: 12.5, y: -3.25, t: 1733493011234.125, player: 1 } },
    { name: 'value: 1 KiB bytes', value: new Uint8Array(1024).fill(7) },
    { name: 'value: 64 KiB bytes', value: new Uint8Array(64 * 1024).fill(7) },
    { name: 'value: 1,000-item array', value: Array.from({ length: 1000 }, (_, i) => (i % 3 === 0 ? i * 1.5 : i)) },
    { name: 'value: string (200 chars, non-ASCII)', value: 'Grüße aus Köln — '.repeat(12).slice(0, 200) },
  ]
}

/** Byte strings come back as Buffers from cbor-x in Node: compare contents, not classes. */
function normalize(value: unknown): unknown {
  if (value instanceof Uint8Array) return { bytes: Array.from(value) }
  if (Array.isArray(value)) return value.map(normalize)
  if (typeof value === 'object' && value !== null) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, normalize(v)]))
  return value
}

/** Nanoseconds per encode+decode of each case, per codec: the median over `blocks` blocks. */
export function benchCodecs(blocks: number, blockMs: number): { name: string; ns: Record<string, number> }[] {
  const codecs = codecsUnderTest()
  const rows: { name: string; ns: Record<string, number> }[] = []
  for (const { name, value } of codecCases()) {
    for (const codec of codecs) {
      const back = codec.decode(codec.encode(value))
      if (!isDeepStrictEqual(normalize(back), normalize(value))) throw new Error(`${codec.name} changed ${name} on its way`)
    }
    rows.push({ name, ns: timeCase(codecs, value, blocks, blockMs) })
  }
  return rows
}

function timeCase(codecs: CodecUnderTest[], value: unknown, blocks: number, blockMs: number): Record<string, number> {
  // Enough round trips per block to fill about blockMs with the slowest codec.
  // At least 100 ns: a calibration that read 0 µs of CPU time must not ask for endless rounds.
  const perRound = Math.max(100, ...codecs.map((codec) => roundNs(codec, value, 200)))
  const rounds = Math.max(10, Math.ceil((blockMs * 1e6) / perRound))
  const samples = codecs.map((): number[] => [])
  for (let block = 0; block < blocks; block++) {
    for (let k = 0; k < codecs.length; k++) {
      // Rotate which codec goes first: none always runs right after the same one.
      const i = (block + k) % codecs.length
      samples[i]!.push(roundNs(codecs[i]!, value, rounds))
    }
  }
  return Object.fromEntries(codecs.map((codec, i) => [codec.name, summarize(samples[i]!).median]))
}

let sink = 0

/**
 * CPU ns per encode+decode over `rounds` round trips: the process's CPU time, which time spent
 * waiting for a core that another process holds does not inflate (its resolution is 1 µs).
 */
function roundNs(codec: CodecUnderTest, value: unknown, rounds: number): number {
  const started = process.cpuUsage()
  for (let i = 0; i < rounds; i++) {
    const bytes = codec.encode(value)
    sink ^= bytes.length
    if (codec.decode(bytes) === sink) sink++
  }
  const used = process.cpuUsage(started)
  return ((used.user + used.system) * 1000) / rounds
}
