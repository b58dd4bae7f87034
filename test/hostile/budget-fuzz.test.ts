import { describe, expect, it } from 'vitest'
import { encodeChannelMessage } from '../../src/ops/channel/typed-channel-wire.js'
import { encodeLockMessage } from '../../src/ops/lock/lock-wire.js'
import { prng, randomInt, seedFromEnv, type Random } from '../helpers/prng.js'
import { attack, firstChunk, nextChunk, portFrame, type Attack } from './hostile-peer.js'

// Random well-formed traffic that grows what the victim holds, by bytes, until the budget trips:
// messages for keys not opened, channel values nobody reads, lock requests while the victim holds
// the lock, unfinished chunked frames. Every run must end with the budget's `protocol` close and
// never hold more than the budget; an error thrown anywhere else fails the run.

const RUNS = 1000
const BUDGET = 16 * 1024
const MAX_STEPS = 2000
const KINDS = ['exchange', 'join', 'select', 'syncStart', 'channel', 'mutex', 'rwlock']
const CLOCK_START = Math.floor((performance.timeOrigin + performance.now()) * 1000) - 1e9

function randomValue(random: Random): unknown {
  const size = randomInt(random, 0, 1024)
  switch (randomInt(random, 0, 3)) {
    case 0:
      return new Uint8Array(size)
    case 1:
      return 'x'.repeat(size)
    case 2:
      return Array.from({ length: size >> 3 }, () => ({}))
    default:
      return Array.from({ length: size >> 3 }, (_, i) => [i, 'k', null])
  }
}

/** One random hostile step; `state` keeps the ids a well-formed peer must keep growing. */
function step(a: Attack, random: Random, state: { lockId: number; chunkId: number; open: number[] }): void {
  switch (randomInt(random, 0, 4)) {
    case 0:
      return a.send(portFrame(`k${randomInt(random, 0, 50)}`, KINDS[randomInt(random, 0, KINDS.length - 1)], randomValue(random)))
    case 1:
      return a.send(portFrame('c', undefined, encodeChannelMessage({ type: 'data', value: randomValue(random), wait: false })))
    case 2:
      state.lockId++
      return a.send(portFrame('m', undefined, encodeLockMessage({ type: 'request', id: state.lockId, mode: 'write', clock: CLOCK_START + state.lockId })))
    case 3: {
      const id = ++state.chunkId
      state.open.push(id)
      return a.dc.deliver(firstChunk(id, 1 << 20, randomInt(random, 1, 2048)))
    }
    default: {
      const id = state.open[randomInt(random, 0, state.open.length - 1)]
      if (id === undefined) return a.dc.deliver(firstChunk(++state.chunkId, 1 << 20, 1))
      return a.dc.deliver(nextChunk(id, randomInt(random, 1, 2048)))
    }
  }
}

async function run(seed: number): Promise<void> {
  const random = prng(seed)
  const a = await attack({ maxHeldBytes: BUDGET })
  a.victim.channel('c', { window: 10_000, windowBytes: 1 << 30 })
  a.send(portFrame('c', 'channel', encodeChannelMessage({ type: 'hello', window: 10_000, windowBytes: 1 << 30 })))
  const mutex = a.victim.mutex<number>('m', { initial: 0 })
  await mutex.lock()
  a.send(portFrame('m', 'mutex', encodeLockMessage({ type: 'hello', value: undefined, watch: false })))
  const state = { lockId: 0, chunkId: 0, open: [] as number[] }
  for (let i = 0; i < MAX_STEPS && !a.victim.isClosed; i++) {
    step(a, random, state)
    const held = a.victim.stats.heldBytes
    if (held > BUDGET) expect.fail(`seed ${seed}, step ${i}: ${held} bytes held, over the budget of ${BUDGET}`)
  }
  const reason = await a.victim.closed
  expect(reason.code, `seed ${seed}: ${reason.message}`).toBe('protocol')
  expect(reason.message, `seed ${seed}`).toContain('maxHeldBytes')
  // The channel stays open for the peer's `bye` (never coming): closing it drops the chunks too.
  a.channel.close()
  expect(a.victim.stats.heldBytes, `seed ${seed}: everything dropped on close`).toBe(0)
}

describe('budget fuzz', () => {
  it(`${RUNS} seeded runs of random well-formed traffic trip the budget and never hold more`, async () => {
    const base = seedFromEnv()
    console.log(`budget fuzz: seed ${base} (SEED=${base} replays)`)
    for (let r = 0; r < RUNS; r++) await run(base + r)
  })
})
