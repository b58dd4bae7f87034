import { Encoder } from 'cbor-x'
import { describe, expect, it } from 'vitest'
import { createFrameCodec } from '../../src/codec/codec.js'
import { sessionCore } from '../../src/session.js'
import { encodeSessionFrame, parseSessionFrame, PROTOCOL_VERSION } from '../../src/core/wire.js'
import { prng, randomBytes, randomInt, seedFromEnv, type Random } from '../helpers/prng.js'
import { openMemoryVictim } from '../helpers/memory-victim.js'

// A raw encoder with every cbor-x feature on, to craft what a hostile peer could send.
const raw = new Encoder({ useRecords: false, mapsAsObjects: true })
const plain = (value: unknown): Uint8Array => raw.encode(value)
const codec = createFrameCodec({ maxDepth: 64, maxItems: 1_000_000 })

/** Valid frames, the raw material for mutation. */
const corpus: Uint8Array[] = [
  plain(encodeSessionFrame({ type: 'ping', id: 7, t0: 1.5 })),
  plain(encodeSessionFrame({ type: 'pong', id: 7, t0: 1.5, t1: 2, t2: 3 })),
  plain(encodeSessionFrame({ type: 'port', key: 'join#1', kind: 'join', message: { type: 'done', ok: true } })),
  plain(encodeSessionFrame({ type: 'port', key: 'm', kind: 'mutex', message: { type: 'request', at: 3, value: [1, { a: 'b' }] } })),
  plain(encodeSessionFrame({ type: 'port', key: 'c', kind: undefined, message: new Uint8Array(40) })),
  plain(encodeSessionFrame({ type: 'bye', code: 'closed', reason: 'bye' })),
  plain(encodeSessionFrame({ type: 'cancel', key: 'join#1' })), // for a key with nothing held: ignored
  plain(encodeSessionFrame({ type: 'cancelled', key: 'join#1' })),
]

/** Hand-made hostile frames: each must be refused. */
const hostile: Uint8Array[] = [
  plain([4, 'k', { type: 'x' }]), // a message for a key that was never introduced
  raw.encode(new Map<unknown, unknown>([['__proto__', { polluted: true }]])),
  plain([4, 'k', JSON.parse('{"__proto__":{"polluted":true}}')]),
  plain([4, 'k', { constructor: { prototype: { polluted: true } } }]),
  Uint8Array.from([0xd8, 0x1b, 0x83, 0x64, 0x65, 0x76, 0x61, 0x6c, 0x60, 0x60]), // tag 27 ["eval", "", ""]
  Uint8Array.from([0xd8, 0x69, 0x80]), // tag 105 (a record definition)
  Uint8Array.from([0x9f, 0x01, 0xff]), // indefinite-length array
  Uint8Array.from([0x9b, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]), // an array claiming 2^64 items
  Uint8Array.from([...Array(100_000).fill(0x81), 0x00]), // 100,000 nested arrays
  plain([0, PROTOCOL_VERSION, 1, 0, null, 1]), // a second hello, out of turn
  plain([99]),
  plain([6, 'k', 1]), // a malformed cancel
  plain([7, 'k']), // an answer to a cancel this side never sent
  new Uint8Array(0),
]

function mutate(random: Random, frame: Uint8Array): Uint8Array {
  const out = Uint8Array.from(frame)
  switch (randomInt(random, 0, 3)) {
    case 0:
      for (let i = randomInt(random, 1, 3); i > 0; i--) out[randomInt(random, 0, out.length - 1)] = randomInt(random, 0, 255)
      return out
    case 1:
      return out.subarray(0, randomInt(random, 0, out.length - 1))
    case 2:
      return Uint8Array.from([...out, ...randomBytes(random, randomInt(random, 1, 8))])
    default:
      return Uint8Array.from([randomInt(random, 0, 255), ...out.subarray(1)])
  }
}

/** The session frame type `frame` parses as, or undefined for a malformed frame. */
function wellFormedType(frame: Uint8Array): string | undefined {
  try {
    return parseSessionFrame(codec.decode(frame)).type
  } catch {
    return undefined
  }
}

describe('hostile frames', () => {
  it('5,000 random, mutated and crafted frames never crash and always end in NetError protocol', async () => {
    const seed = seedFromEnv()
    const random = prng(seed)
    const lanes = 50
    const perLane = 100
    let closedByProtocol = 0
    let accepted = 0
    const failures: string[] = []
    async function lane(laneIndex: number): Promise<void> {
      let victim = await openMemoryVictim({ maxFrameBytes: 64 * 1024 })
      for (let i = 0; i < perLane; i++) {
        const n = laneIndex * perLane + i
        const pick = randomInt(random, 0, 9)
        const frame =
          n < hostile.length ? hostile[n]! : pick < 4 ? randomBytes(random, randomInt(random, 0, 64)) : mutate(random, corpus[randomInt(random, 0, corpus.length - 1)]!)
        const type = wellFormedType(frame)
        await victim.attacker.send(frame).catch(() => {})
        await victim.settled()
        const reason = sessionCore(victim.session).closedReason
        if (reason === undefined) {
          accepted++
          // Only a frame that parses as a session frame may leave the session open.
          if (type === undefined) failures.push(`frame ${n} was malformed but the session stayed open`)
        } else {
          // A well-formed bye (a mutation of the corpus's) legitimately closes with its own code.
          if (reason.code === 'protocol') closedByProtocol++
          else if (type === 'bye') accepted++
          else failures.push(`frame ${n} closed the session with ${reason.code}: ${reason.message}`)
          victim = await openMemoryVictim({ maxFrameBytes: 64 * 1024 })
        }
      }
      await victim.session.close()
    }
    await Promise.all(Array.from({ length: lanes }, (_, i) => lane(i)))
    if (failures.length > 0) console.error(`replay with SEED=${seed}`)
    expect(failures).toEqual([])
    expect(closedByProtocol + accepted).toBe(lanes * perLane)
    expect(closedByProtocol).toBeGreaterThan(lanes * perLane * 0.8)
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined()
    expect((globalThis as Record<string, unknown>)['pwned']).toBeUndefined()
  })

  it('refuses a frame over the session limit before decoding it', async () => {
    const victim = await openMemoryVictim({ maxFrameBytes: 64 * 1024 })
    await victim.attacker.send(plain([4, 'big', new Uint8Array(70_000)]))
    await victim.settled()
    expect(sessionCore(victim.session).closedReason?.code).toBe('protocol')
    expect(sessionCore(victim.session).closedReason?.message).toMatch(/70\d{3}-byte frame; the limit is 65536/)
  })

  it('tells the peer why it closed', async () => {
    const victim = await openMemoryVictim({ maxFrameBytes: 64 * 1024 })
    const byes: unknown[] = []
    victim.onFrame = (frame) => {
      if (frame[0] === 3) byes.push(frame)
    }
    await victim.attacker.send(Uint8Array.from([0xd8, 0x1b, 0x80]))
    const reason = await victim.attacker.closed
    expect(reason.code).toBe('closed')
    expect(byes).toEqual([[3, 'protocol', expect.stringMatching(/CBOR tag 27/)]])
  })
})
