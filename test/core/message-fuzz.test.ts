import { isDeepStrictEqual } from 'node:util'
import { Encoder } from 'cbor-x'
import { describe, expect, it } from 'vitest'
import { NetError } from '../../src/base/errors.js'
import { createFrameCodec } from '../../src/codec/codec.js'
import { encodeSessionFrame, parseSessionFrame, PROTOCOL_VERSION, type SessionFrame } from '../../src/core/wire.js'
import { encodeChannelMessage, parseChannelMessage, type ChannelMessage } from '../../src/ops/channel/typed-channel-wire.js'
import { encodeLockMessage, parseLockMessage, type LockMessage } from '../../src/ops/lock/lock-wire.js'
import { encodeExchangeMessage, parseExchangeMessage, type ExchangeMessage } from '../../src/ops/one-shot/exchange-wire.js'
import { encodeJoinMessage, parseJoinMessage, type JoinMessage } from '../../src/ops/one-shot/join-wire.js'
import { encodeSelectMessage, parseSelectMessage, type SelectMessage } from '../../src/ops/one-shot/select-wire.js'
import { encodeSyncStartMessage, parseSyncStartMessage, type SyncStartMessage } from '../../src/ops/sync-start/sync-start-wire.js'
import { sessionCore, type Session } from '../../src/session.js'
import { prng, randomBytes, randomInt, seedFromEnv, type Random } from '../helpers/prng.js'
import { openMemoryVictim } from '../helpers/memory-victim.js'

// Every protocol's messages are tagged arrays (core/wire-checks.ts). A peer may send any CBOR it
// likes in their place: each parser must take exactly its own messages and refuse everything else
// with NetError `protocol`, never with another error. What it takes must be exactly what the
// encoder would have sent for the parsed message: a field too many, a wrong flag or a bad type
// that slipped through a check would come back different.

/** One protocol's parser and encoder, with valid messages as the raw material for mutation. */
interface Protocol {
  readonly name: string
  parse(raw: unknown): unknown
  encode(message: never): unknown[]
  readonly valid: readonly unknown[]
}

function protocol<M>(name: string, parse: (raw: unknown) => M, encode: (m: M) => unknown[], valid: M[]): Protocol {
  return { name, parse, encode: encode as (m: never) => unknown[], valid }
}

const bytes = Uint8Array.from([1, 2, 3])
/** Lock messages only a rwlock has: a mutex refuses them. */
const SHARED_ONLY: readonly string[] = ['lease', 'recall', 'return']
const protocols: Protocol[] = [
  protocol<SessionFrame>('session', parseSessionFrame, encodeSessionFrame, [
    { type: 'hello', version: PROTOCOL_VERSION, nonce: 0.5, round: 0, role: null, maxFrameBytes: 1 << 20 },
    { type: 'ping', id: 1, t0: 2.5 },
    { type: 'pong', id: 1, t0: 2.5, t1: 3, t2: 4 },
    { type: 'bye', code: 'closed', reason: 'done' },
    { type: 'port', key: 'k', kind: 'join', message: [0, true] },
    { type: 'port', key: 'k', kind: undefined, message: null },
    { type: 'cancel', key: 'k' },
    { type: 'cancelled', key: 'k' },
  ]),
  protocol<JoinMessage>('join', parseJoinMessage, encodeJoinMessage, [
    { type: 'done', ok: true },
    { type: 'done', ok: false, name: 'Error', message: 'boom' },
    { type: 'abort' },
  ]),
  protocol<SelectMessage>('select', parseSelectMessage, encodeSelectMessage, [
    { type: 'done', ok: true, at: 12.5 },
    { type: 'done', ok: false, at: 12.5, name: 'Error', message: 'boom' },
    { type: 'yield' },
    { type: 'abort' },
  ]),
  protocol<ExchangeMessage>('exchange', parseExchangeMessage, encodeExchangeMessage, [{ type: 'value', value: { a: [1, 'b'] } }, { type: 'abort' }]),
  protocol<SyncStartMessage>('syncStart', parseSyncStartMessage, encodeSyncStartMessage, [
    { type: 'ready', payload: 1, delayMs: 50 },
    { type: 'start', at: 99.5, payload: 'p' },
    { type: 'done' },
    { type: 'abort', reason: 'late' },
  ]),
  ...([true, false] as const).map((exclusiveOnly) =>
    protocol<LockMessage>(
      exclusiveOnly ? 'mutex' : 'rwlock',
      (raw) => parseLockMessage(raw, exclusiveOnly),
      encodeLockMessage,
      ([
        { type: 'hello', value: bytes, watch: true },
        { type: 'request', id: 1, mode: exclusiveOnly ? 'write' : 'read', clock: 5 },
        { type: 'cancel', id: 1, clock: 6 },
        { type: 'token', id: 2, epoch: 3, version: 1, value: bytes, clock: 9, queue: [{ id: 4, ts: 8, mode: 'write' }] },
        { type: 'lease', upTo: 2, epoch: 3, version: 1, value: undefined, clock: 9 },
        { type: 'recall', clock: 10 },
        { type: 'return', clock: 10 },
        { type: 'update', version: 2, value: bytes, clock: 11 },
        { type: 'broken', reason: 'too large' },
        { type: 'close' },
      ] satisfies LockMessage[] as LockMessage[]).filter((m) => !exclusiveOnly || !SHARED_ONLY.includes(m.type)),
    ),
  ),
  protocol<ChannelMessage>('channel', parseChannelMessage, encodeChannelMessage, [
    { type: 'hello', window: 8, windowBytes: 1024 },
    { type: 'data', value: [1, 2], wait: false },
    { type: 'data', value: 'x', wait: true },
    { type: 'credit', n: 3 },
    { type: 'end' },
    { type: 'stop' },
  ]),
]

/** Values a hostile peer might put in any field. */
const ODD_VALUES: readonly unknown[] = [
  null, undefined, true, false, 0, -1, 1, 2, 7, 1.5, -0.5, NaN, Infinity, -Infinity, 2 ** 53, 2 ** 32, '', 'x', 'write', 'read',
  'closed', 'late', 'x'.repeat(3000), [], [1], {}, { type: 'done' }, bytes, new Uint8Array(0),
]

/** A structural mutation of a tagged array: a field replaced, dropped or added, or the tag changed. */
function mutate(random: Random, message: unknown[]): unknown[] {
  const out = [...message]
  const pick = (): unknown => ODD_VALUES[randomInt(random, 0, ODD_VALUES.length - 1)]
  switch (randomInt(random, 0, 4)) {
    case 0:
      out[randomInt(random, 0, out.length - 1)] = pick()
      return out
    case 1:
      out.splice(randomInt(random, 0, out.length - 1), 1)
      return out
    case 2:
      out.splice(randomInt(random, 0, out.length), 0, pick())
      return out
    case 3:
      out[0] = randomInt(random, -1, 9)
      return out
    default:
      // Two mutations at once reach shapes one cannot.
      return mutate(random, mutate(random, out))
  }
}

// What the peer's bytes can decode to: cbor-x with every feature on, read back through the session's codec.
const raw = new Encoder({ useRecords: false, mapsAsObjects: true })
const codec = createFrameCodec({ maxDepth: 64, maxItems: 1_000_000 })

function flipBytes(random: Random, encoded: Uint8Array): Uint8Array {
  const out = Uint8Array.from(encoded)
  for (let i = randomInt(random, 1, 2); i > 0; i--) out[randomInt(random, 0, out.length - 1)] = randomInt(random, 0, 255)
  return randomInt(random, 0, 3) === 0 ? Uint8Array.from([...out, ...randomBytes(random, 3)]) : out
}

/** Reasons shown to the user (bye, lock broken) are cut to this many characters rather than refused. */
const CLIPPED_TEXT = 500

/** `value` with every string longer than {@link CLIPPED_TEXT} cut to it. */
function clipped(value: unknown): unknown {
  if (typeof value === 'string') return value.slice(0, CLIPPED_TEXT)
  return Array.isArray(value) ? value.map(clipped) : value
}

/** Parses `input`; true if accepted (and then it is the parsed message's own encoding), false if refused with NetError protocol. */
function accepts(p: Protocol, input: unknown): boolean {
  let parsed: unknown
  try {
    parsed = p.parse(input)
  } catch (err) {
    if (!(err instanceof NetError) || err.code !== 'protocol') throw new Error(`${p.name} threw ${String(err)} for ${show(input)}`)
    return false
  }
  const again = p.encode(parsed as never)
  // A long reason comes back cut; anything else exactly as sent.
  const expected = isDeepStrictEqual(again, input) ? input : clipped(input)
  expect(again, `${p.name} took ${show(input)} as ${show(parsed)}`).toEqual(expected)
  expect(p.parse(again), `${p.name} re-encoding of ${show(input)}`).toEqual(parsed)
  return true
}

function show(value: unknown): string {
  try {
    return JSON.stringify(value, (_k, v: unknown) => (v instanceof Uint8Array ? `bytes(${v.length})` : v)).slice(0, 200)
  } catch {
    return String(value)
  }
}

describe('hostile operation messages', () => {
  it('every protocol takes its valid messages, and refuses mutations with NetError protocol only', () => {
    const seed = seedFromEnv()
    const random = prng(seed)
    let refused = 0
    let total = 0
    try {
      for (const p of protocols) {
        for (const message of p.valid) expect(accepts(p, p.encode(message as never)), `${p.name} ${show(message)}`).toBe(true)
        for (let i = 0; i < 2000; i++) {
          const encoded = p.encode(p.valid[randomInt(random, 0, p.valid.length - 1)] as never)
          let input: unknown = mutate(random, encoded)
          if (i % 4 === 3) {
            // Through real bytes: a flipped bit may turn the array into a map, a tag, anything.
            try {
              input = codec.decode(flipBytes(random, raw.encode(encoded)))
            } catch (err) {
              expect(err).toMatchObject({ code: 'protocol' })
              continue
            }
          }
          total++
          if (!accepts(p, input)) refused++
        }
      }
    } catch (err) {
      console.error(`replay with SEED=${seed}`)
      throw err
    }
    // Most mutations break a message; a test whose mutations were all harmless would prove nothing.
    expect(refused).toBeGreaterThan(total * 0.5)
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined()
  })

  it('the map form of protocol version 2 is refused by every operation', () => {
    const maps = [{ type: 'done', ok: true }, { type: 'value', value: 1 }, { type: 'ready', payload: 1, delayMs: 5 }, { type: 'abort' }]
    for (const p of protocols) for (const map of maps) expect(accepts(p, map), `${p.name} ${show(map)}`).toBe(false)
  })
})

/** Starts one operation of `kind` under key `k` on the victim; the promise settles when it does. */
const START: Record<string, (s: Session) => Promise<unknown>> = {
  join: (s) => s.join(() => 1, { key: 'k' }),
  select: (s) => s.select(() => new Promise(() => {}), { key: 'k' }),
  exchange: (s) => s.exchange(1, { key: 'k' }),
  syncStart: (s) => s.syncStart(() => 1, { key: 'k' }),
  mutex: (s) => s.mutex('k').closed,
  rwlock: (s) => s.rwlock('k').closed,
  channel: async (s) => {
    for await (const _ of s.channel('k')) continue
  },
}

describe('hostile operation messages reaching a session', () => {
  it('a mutated first message of each kind leaves the session open or closes it with NetError protocol, and the call settles', async () => {
    const seed = seedFromEnv()
    const random = prng(seed)
    const outcomes = new Map<string, number>()
    for (const p of protocols.filter((q) => q.name !== 'session')) {
      for (let i = 0; i < 12; i++) {
        const { session, attacker, settled } = await openMemoryVictim()
        const call = START[p.name]!(session)
        call.catch(() => {})
        const message = i === 0 ? { type: 'abort' } : mutate(random, p.encode(p.valid[randomInt(random, 0, p.valid.length - 1)] as never))
        await attacker.send(raw.encode([5, 'k', p.name, message]))
        await settled()
        const reason = sessionCore(session).closedReason
        const outcome = reason === undefined ? 'open' : reason.code
        outcomes.set(outcome, (outcomes.get(outcome) ?? 0) + 1)
        if (reason !== undefined) {
          expect(reason.code, `SEED=${seed} ${p.name} ${show(message)}: ${reason.message}`).toBe('protocol')
          // Every pending call settles once the session closed (a lock's and channel's `closed` too).
          await expect(call.then(() => 'settled', () => 'settled')).resolves.toBe('settled')
          if (i === 0) expect(reason.message).toMatch(/peer sent a .*message that is not a tagged array/)
        } else {
          expect(accepts(p, message), `SEED=${seed} ${p.name} ${show(message)} kept the session open`).toBe(true)
        }
        await session.close()
      }
    }
    expect(outcomes.get('protocol') ?? 0).toBeGreaterThan(0)
  })
})
