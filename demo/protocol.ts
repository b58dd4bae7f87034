// What the two players share: the message union on the `game` channel, the settings behind the
// rwlock and the scoreboard behind the mutex. Values from the peer are validated here.

/** Each player's colour: the session leader is blue, the follower amber. */
export type Color = 'blue' | 'amber'

export const COLOR_NAMES: Record<Color, string> = { blue: 'Blue', amber: 'Amber' }

export function otherColor(color: Color): Color {
  return color === 'blue' ? 'amber' : 'blue'
}

/** Game settings, shared in a NetRwLock; edits apply from the next round. */
export interface Settings {
  /** Player speed in arena units per second. */
  speed: number
  /** Round length in seconds. */
  roundSeconds: number
  /** Coins contested per round. */
  coins: number
}

export const DEFAULT_SETTINGS: Settings = { speed: 260, roundSeconds: 30, coins: 5 }

/** Inclusive bounds of every setting, used by the form and to validate the peer's values. */
export const SETTING_LIMITS: Record<keyof Settings, readonly [min: number, max: number]> = {
  speed: [120, 480],
  roundSeconds: [10, 120],
  coins: [1, 9],
}

/** The scoreboard, shared in a NetMutex: coins collected per player over the whole session. */
export interface Scoreboard {
  blue: number
  amber: number
}

export const EMPTY_SCOREBOARD: Scoreboard = { blue: 0, amber: 0 }

/**
 * Messages on the ordered `game` channel.
 * - `pos`: the sender's player position (the sender owns it).
 * - `ready`: the sender pressed Ready (a hint for the UI; the round waits on a join).
 *
 * Scoreboard and settings changes need no message: both locks are opened with `watch`, so each
 * side's lock emits `change` as soon as the peer commits a new value.
 */
export type GameMessage =
  | { t: 'pos'; x: number; y: number }
  | { t: 'ready'; round: number }

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

function finite(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value)
}

/** The peer's message, or undefined for anything this page does not understand. */
export function parseGameMessage(raw: unknown): GameMessage | undefined {
  if (!isRecord(raw)) return undefined
  switch (raw['t']) {
    case 'pos':
      return finite(raw['x']) && finite(raw['y']) ? { t: 'pos', x: raw['x'], y: raw['y'] } : undefined
    case 'ready':
      return finite(raw['round']) ? { t: 'ready', round: raw['round'] } : undefined
    default:
      return undefined
  }
}

function clampInt(value: unknown, [min, max]: readonly [number, number], fallback: number): number {
  return finite(value) ? Math.min(max, Math.max(min, Math.round(value))) : fallback
}

/** Settings within their limits; anything missing or malformed falls back to the default. */
export function sanitizeSettings(raw: unknown): Settings {
  const r = isRecord(raw) ? raw : {}
  return {
    speed: clampInt(r['speed'], SETTING_LIMITS.speed, DEFAULT_SETTINGS.speed),
    roundSeconds: clampInt(r['roundSeconds'], SETTING_LIMITS.roundSeconds, DEFAULT_SETTINGS.roundSeconds),
    coins: clampInt(r['coins'], SETTING_LIMITS.coins, DEFAULT_SETTINGS.coins),
  }
}

export function sanitizeScoreboard(raw: unknown): Scoreboard {
  const r = isRecord(raw) ? raw : {}
  const count = (v: unknown): number => (finite(v) && v >= 0 ? Math.floor(v) : 0)
  return { blue: count(r['blue']), amber: count(r['amber']) }
}
