import { describe, expect, it } from 'vitest'
import { memoryPair } from '../../src/transport/memory.js'
import { Session } from '../../src/session.js'
import { prng, randomInt, seedFromEnv, type Random } from '../helpers/prng.js'

/** A random source whose first `tied` draws are shared with the peer's: forces equal nonces. */
function tiedThenFree(shared: Random, own: Random, tied: number): Random {
  const draws: number[] = []
  for (let i = 0; i < tied; i++) draws.push(shared())
  let n = 0
  return () => (n < draws.length ? draws[n++]! : own())
}

describe('leader election', () => {
  it('agrees on both sides over 200 seeded runs, including tied nonces', async () => {
    const seed = seedFromEnv()
    const random = prng(seed)
    let ties = 0
    try {
      for (let run = 0; run < 200; run++) {
        // Each nonce takes two draws; sharing 2 or 4 draws forces one or two tied rounds.
        const tiedDraws = run % 4 === 0 ? 2 * randomInt(random, 1, 2) : 0
        if (tiedDraws > 0) ties++
        const sharedSeed = randomInt(random, 0, 2 ** 32 - 1)
        const [a, b] = memoryPair({ latencyMs: randomInt(random, 0, 2), jitterMs: randomInt(random, 0, 2), random })
        const [sa, sb] = await Promise.all([
          Session.open(a, { clockBurst: 1, random: tiedThenFree(prng(sharedSeed), prng(randomInt(random, 0, 2 ** 32 - 1)), tiedDraws) }),
          Session.open(b, { clockBurst: 1, random: tiedThenFree(prng(sharedSeed), prng(randomInt(random, 0, 2 ** 32 - 1)), tiedDraws) }),
        ])
        expect(sa.role !== sb.role, `run ${run}`).toBe(true)
        await Promise.all([sa.close(), sb.close()])
      }
    } catch (err) {
      console.error(`leader election failed; replay with SEED=${seed}`)
      throw err
    }
    expect(ties).toBe(50)
  })
})
