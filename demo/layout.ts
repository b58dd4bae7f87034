// The arena and the random layout of a round. Both sides build the layout from the same seed
// (agreed with `exchange`), so they draw the same coins in the same places.
import type { Color, Settings } from './protocol.js'

export interface Point {
  x: number
  y: number
}

export const ARENA = { width: 800, height: 480 } as const
export const PLAYER_RADIUS = 18
export const COIN_RADIUS = 13
/** A player touching the coin picks it up. */
export const PICKUP_DISTANCE = PLAYER_RADIUS + COIN_RADIUS
const MARGIN = 56
/** Consecutive coins are at least this far apart, so every coin is a race. */
const MIN_HOP = 220

export interface RoundLayout {
  readonly seed: number
  readonly spawn: Record<Color, Point>
  readonly coins: readonly Point[]
  /** Decorative floor tiles, also seeded so both screens look alike. */
  readonly tiles: readonly Point[]
}

/** A small seeded generator (xorshift32 with a splitmix-style scramble); enough for a layout. */
export function seededRandom(seed: number): () => number {
  let s = seed >>> 0 || 0x9e3779b9
  return () => {
    s ^= s << 13
    s >>>= 0
    s ^= s >>> 17
    s ^= s << 5
    s >>>= 0
    let z = Math.imul(s ^ (s >>> 15), 0x2c1b3c6d)
    z ^= z + Math.imul(z ^ (z >>> 7), 0x297a2d39)
    return ((z ^ (z >>> 14)) >>> 0) / 4294967296
  }
}

/** A fresh 32-bit seed from this side's cryptographic random source. */
export function randomSeed(): number {
  return crypto.getRandomValues(new Uint32Array(1))[0] ?? 0
}

function distance(a: Point, b: Point): number {
  return Math.hypot(a.x - b.x, a.y - b.y)
}

/** The layout of one round, the same on both sides for the same seed and settings. */
export function makeLayout(seed: number, settings: Settings): RoundLayout {
  const random = seededRandom(seed)
  const spawn: Record<Color, Point> = {
    blue: { x: MARGIN + 24, y: ARENA.height / 2 },
    amber: { x: ARENA.width - MARGIN - 24, y: ARENA.height / 2 },
  }
  const point = (): Point => ({
    x: Math.round(MARGIN + random() * (ARENA.width - 2 * MARGIN)),
    y: Math.round(MARGIN + random() * (ARENA.height - 2 * MARGIN)),
  })
  const coins: Point[] = []
  let previous: Point = { x: ARENA.width / 2, y: ARENA.height / 2 }
  for (let i = 0; i < settings.coins; i++) {
    let candidate = point()
    // The first coin sits between the spawns, fair to both; later ones hop away from the last one.
    for (let tries = 0; tries < 50; tries++) {
      const fair = i > 0 || Math.abs(distance(candidate, spawn.blue) - distance(candidate, spawn.amber)) < 80
      const far = i === 0 || distance(candidate, previous) >= MIN_HOP
      const clear = distance(candidate, spawn.blue) > 2 * PICKUP_DISTANCE && distance(candidate, spawn.amber) > 2 * PICKUP_DISTANCE
      if (fair && far && clear) break
      candidate = point()
    }
    coins.push(candidate)
    previous = candidate
  }
  const tiles = Array.from({ length: 14 }, point)
  return { seed, spawn, coins, tiles }
}

/** Moves `from` by at most `step` towards a direction vector, kept inside the arena. */
export function moveWithin(from: Point, dx: number, dy: number, step: number): Point {
  const length = Math.hypot(dx, dy)
  if (length === 0) return from
  const r = PLAYER_RADIUS
  return {
    x: Math.min(ARENA.width - r, Math.max(r, from.x + (dx / length) * step)),
    y: Math.min(ARENA.height - r, Math.max(r, from.y + (dy / length) * step)),
  }
}

export function reaches(player: Point, coin: Point): boolean {
  return distance(player, coin) <= PICKUP_DISTANCE
}
