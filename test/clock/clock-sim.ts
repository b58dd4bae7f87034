// Simulation helpers shared by the clock tests (not a test file: vitest only runs *.test.ts).
import type { ClockSample } from '../../src/clock/clock-math.js'
import { prng, seedFromEnv } from '../helpers/prng.js'

const baseSeed = seedFromEnv()

/** Runs `cases` seeded cases; a failure names the seed that replays it first. */
export function forEachSeed(cases: number, run: (random: () => number) => void): void {
  for (let i = 0; i < cases; i++) {
    const seed = (baseSeed + i) >>> 0
    try {
      run(prng(seed))
    } catch (err) {
      const msg = err instanceof Error ? err.message : String(err)
      throw new Error(`seed ${seed} failed (replay: SEED=${seed} npx vitest run test/time): ${msg}`, { cause: err })
    }
  }
}

/**
 * One exchange on a simulated pair. Local clock = true time; the remote clock reads
 * `t + theta(t)`. `d1`/`d2` are the request/reply one-way delays, `hold` the remote processing time.
 */
export function probe(t0: number, d1: number, hold: number, d2: number, theta: (t: number) => number): ClockSample {
  const a = t0 + d1
  const b = a + hold
  return { t0, t1: a + theta(a), t2: b + theta(b), t3: b + d2 }
}

export const constant = (value: number) => () => value
