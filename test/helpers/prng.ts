/** A seeded pseudo-random source: each call returns a float in [0, 1). */
export type Random = () => number

/**
 * mulberry32: a tiny, fast 32-bit generator, plenty for shuffling test inputs (not for crypto).
 * The same seed always gives the same sequence.
 */
export function prng(seed: number): Random {
  let state = seed >>> 0
  return () => {
    state = (state + 0x6d2b79f5) >>> 0
    let t = state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

/** An integer in [min, max] (both inclusive) from `random`. */
export function randomInt(random: Random, min: number, max: number): number {
  return min + Math.floor(random() * (max - min + 1))
}

/** `length` bytes from `random`: a content pattern that a misplaced chunk cannot match. */
export function randomBytes(random: Random, length: number): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(length)
  const words = new Uint32Array(out.buffer, 0, length >>> 2)
  for (let i = 0; i < words.length; i++) words[i] = (random() * 4294967296) >>> 0
  for (let i = words.length * 4; i < length; i++) out[i] = (random() * 256) >>> 0
  return out
}

/**
 * The seed for a randomized test: `SEED` from the environment when set (to replay a run),
 * otherwise a fresh one. Print it so a failure can be replayed with `SEED=<seed>`.
 *
 * @example
 * ```ts
 * const seed = seedFromEnv()
 * console.log(`SEED=${seed}`)
 * const random = prng(seed)
 * ```
 */
export function seedFromEnv(env: NodeJS.ProcessEnv = process.env): number {
  const raw = env['SEED']
  if (raw !== undefined && raw !== '') {
    const seed = Number(raw)
    if (!Number.isInteger(seed)) throw new Error(`SEED must be an integer, got ${JSON.stringify(raw)}`)
    return seed >>> 0
  }
  return (Math.random() * 4294967296) >>> 0
}
