import type { ClockSample } from '../../src/time/clock-math.js'

// Simulation helpers shared by the clock tests (not a test file: vitest only runs *.test.ts).

/** mulberry32: a tiny seeded PRNG, enough for replayable test cases. */
export function prng(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

const envSeed = process.env['SEED']
const baseSeed = envSeed !== undefined && envSeed !== '' ? Number(envSeed) : Math.floor(Math.random() * 2 ** 31)

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
