import { describe, expect, it } from 'vitest'
import { prng, seedFromEnv } from '../../helpers/prng.js'
import { randomAbortRuns, randomReuseRuns } from './abort-agreement-random.js'
import { sessionPairs } from './op-helpers.js'

const seed = seedFromEnv()
console.log(`random aborts: SEED=${seed}`)
const random = prng(seed)
const pair = sessionPairs(random)

describe('agreement under random aborts (seeded; SEED=... replays the plans)', () => {
  it('3,000 one-shot operations, either side or both aborting at random moments: both sides agree every time', async () => {
    const p = await pair()
    const runs = 3000
    const cancelPaths = await randomAbortRuns(p, random, runs, 50, 'memory')
    console.log(`random aborts over a memory pair: ${cancelPaths} of ${runs} runs took the cancel path`)
    // The mix must reach the new path often, or this test would prove little.
    expect(cancelPaths).toBeGreaterThan(runs / 20)
  })

  it('50 keys, each reused by 20 operations in a row, either side aborting at random: both sides agree on every pair of calls', async () => {
    await randomReuseRuns(await pair(), random, 50, 20, 'memory')
  })
})
