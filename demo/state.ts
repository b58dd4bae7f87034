// The page's state, one plain object the game writes and the renderer, the UI and the test hook
// read. Nothing here talks to the network.
import type { Point, RoundLayout } from './layout.js'
import type { Color, Scoreboard, Settings } from './protocol.js'
import { DEFAULT_SETTINGS, EMPTY_SCOREBOARD } from './protocol.js'

export type ConnectionPhase = 'waiting' | 'connecting' | 'opening' | 'connected' | 'reconnecting' | 'room-full'

/**
 * - lobby: waiting for both players to press Ready (a join)
 * - starting: agreeing on the layout (exchange) and the start instant (syncStart)
 * - countdown: 3, 2, 1 on both screens
 * - playing: racing for coins (one select per coin); then back to the lobby
 */
export type GamePhase = 'idle' | 'lobby' | 'starting' | 'countdown' | 'playing'

/** Who picked up a coin; `null` when the round ended before anyone reached it. */
export interface PickupRecord {
  round: number
  coin: number
  winner: Color | null
}

/** The last syncStart as both sides reported it. */
export interface StartReport {
  round: number
  /** How late each side started against the agreed instant, by its own clock view (ms). */
  lateMs: Record<Color, number>
  /** |late blue − late amber|: the start skew the two sides can see (ms). */
  skewMs: number
  /** The follower's clock error bound when it started: the skew's own uncertainty (ms). */
  errorBoundMs: number
}

export interface ConnectionLoss {
  /** NetError code: `closed` (peer left or closed), `timeout` (peer went silent), … */
  code: string
  message: string
  /** When this side noticed: `performance.timeOrigin + performance.now()`, comparable across pages. */
  at: number
}

export interface DemoState {
  /** The relay's room: an unguessable id unless the URL named one. */
  room: string
  /** What the page calls the room: the invite link's `name`, else the id. Never sent to the relay. */
  roomLabel: string
  connection: ConnectionPhase
  /** Sessions played in this page (a new one each time a player joins the room). */
  sessions: number
  /** Why the previous session ended, if one did. */
  lastLoss: ConnectionLoss | null
  /** How often this session came back after a dropped connection. */
  resumes: number
  me: Color
  phase: GamePhase
  round: number
  readyMe: boolean
  /** The last round the peer said it is ready for. */
  peerReadyRound: number
  myPos: Point
  peerPos: Point
  /** The peer's last reported position arrived at this `performance.now()`. */
  peerSeenAt: number
  layout: RoundLayout | null
  /** Index of the coin being raced for (== coins.length once all are taken). */
  coinIndex: number
  /** Shared-timeline instants (ms) of the countdown start, "go" and the round's end. */
  countdownAt: number
  /** How long the current round's countdown lasts (ms), the same on both sides. */
  countdownMs: number
  goAt: number
  endAt: number
  scores: Scoreboard
  /** The shared settings as last seen here (edits apply from the next round). */
  settings: Settings
  /** The settings the current round runs with, the same on both sides. */
  roundSettings: Settings
  pickups: PickupRecord[]
  /** The last pickup, for the arena's flash (`at` is `performance.now()`). */
  flash: { coin: Point; winner: Color | null; at: number } | null
  lastStart: StartReport | null
  /** Position messages sent and received on the channel. */
  moves: { sent: number; received: number }
  /** One-line explanation of what happens now, shown above the arena. */
  message: string
}

export function initialState(room: string, roomLabel = room): DemoState {
  return {
    room,
    roomLabel,
    connection: 'waiting',
    sessions: 0,
    lastLoss: null,
    resumes: 0,
    me: 'blue',
    phase: 'idle',
    round: 0,
    readyMe: false,
    peerReadyRound: 0,
    myPos: { x: 0, y: 0 },
    peerPos: { x: 0, y: 0 },
    peerSeenAt: 0,
    layout: null,
    coinIndex: 0,
    countdownAt: 0,
    countdownMs: 0,
    goAt: 0,
    endAt: 0,
    scores: { ...EMPTY_SCOREBOARD },
    settings: { ...DEFAULT_SETTINGS },
    roundSettings: { ...DEFAULT_SETTINGS },
    pickups: [],
    flash: null,
    lastStart: null,
    moves: { sent: 0, received: 0 },
    message: '',
  }
}

/** Clears everything that belonged to the previous opponent's session (this page's settings stay). */
export function resetForNewSession(state: DemoState): void {
  const fresh = initialState(state.room, state.roomLabel)
  Object.assign(state, {
    ...fresh,
    connection: state.connection,
    sessions: state.sessions,
    lastLoss: state.lastLoss,
    settings: state.settings,
  })
}
