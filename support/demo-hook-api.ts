// The demo's test hook, `window.demo`: a read-only view of the page for the browser tests (and for
// the curious: try `demo.snapshot()` in the console). This file is its whole contract: the tests
// import only these types, never the demo's modules, so the demo may change inside freely as long
// as it keeps this interface. Every value is a copy (plain JSON data); reading it never changes
// what the page does. One call acts: `dropConnection()`, which does to the page what a network
// failure would. demo/hook.ts implements it; it lives in support/ beside the rest of the test
// plumbing, so the tests import nothing from demo/.
import type { SessionStats } from 'netbeam'

/** Each player's colour: the session leader is blue, the follower amber. */
export type PlayerColor = 'blue' | 'amber'

/** Where the page is in finding an opponent; `reconnecting` while a dropped session waits to resume. */
export type ConnectionState = 'waiting' | 'connecting' | 'opening' | 'connected' | 'reconnecting' | 'room-full'

/** idle (no session) → lobby (waiting for Ready) → starting → countdown → playing → lobby … */
export type RoundPhase = 'idle' | 'lobby' | 'starting' | 'countdown' | 'playing'

export interface ArenaPoint {
  x: number
  y: number
}

/** The shared settings (a NetRwLock); edits apply from the next round. */
export interface SettingsView {
  speed: number
  roundSeconds: number
  coins: number
}

/** The scoreboard (a NetMutex): coins collected per player over the session. */
export type ScoresView = Record<PlayerColor, number>

/** One coin's race (a select): who got it, or null when the round's time ran out first. */
export interface PickupView {
  round: number
  /** 0-based index of the coin in its round. */
  coin: number
  winner: PlayerColor | null
}

/** The last synchronized start, as both sides reported it (the same on both pages). */
export interface StartView {
  round: number
  /** How late each side started against the agreed instant (ms). */
  lateMs: Record<PlayerColor, number>
  /** |late blue − late amber| (ms). */
  skewMs: number
  /** The follower's clock error bound when it started: the skew's own uncertainty (ms). */
  errorBoundMs: number
}

/** Why the previous session ended. */
export interface LossView {
  /** NetError code: `closed` (peer left or closed), `timeout` (peer went silent), … */
  code: string
  message: string
  /** When this page noticed: `performance.timeOrigin + performance.now()`, comparable across pages. */
  at: number
}

export interface ConnectionSnapshot {
  state: ConnectionState
  room: string
  /** The session role (null between sessions); the leader plays blue. */
  role: 'leader' | 'follower' | null
  color: PlayerColor
  /** Sessions this page has had; a new player joining the room starts a new one. */
  sessions: number
  lastLoss: LossView | null
  /** A silent peer is declared gone after this long (the session's `timeoutMs`). */
  heartbeatBoundMs: number
  /** How often the session checks on its peer (its `heartbeatMs`). */
  heartbeatMs: number
  /** How long a dropped session waits for the other player to come back (`resume.graceMs`). */
  resumeGraceMs: number
  /** How often this session came back after a dropped connection. */
  resumes: number
}

export interface NetView {
  rttMs: number
  offsetMs: number
  errorBoundMs: number
  stats: SessionStats
  /** Position messages sent and received on the `game` channel. */
  moves: { sent: number; received: number }
}

export interface DemoSnapshot {
  connection: ConnectionSnapshot
  phase: RoundPhase
  round: number
  readyMe: boolean
  peerReady: boolean
  me: ArenaPoint
  peer: ArenaPoint
  /** The coin being raced for, while a round is played. */
  coin: { index: number; total: number; x: number; y: number } | null
  layoutSeed: number | null
  scores: ScoresView
  /** The shared settings as this page last saw them. */
  settings: SettingsView
  /** The settings the current (or last) round runs with, the same on both pages. */
  roundSettings: SettingsView
  /** Every coin raced for this session, in order. */
  pickups: PickupView[]
  lastStart: StartView | null
  /** The session's shared timeline now (ms), and when the round ends on it. */
  sharedNow: number | null
  endAt: number
  /** Null between sessions. */
  net: NetView | null
  /** The one-line explanation shown above the arena. */
  message: string
}

/** `window.demo`. */
export interface DemoHook {
  snapshot(): DemoSnapshot
  connection(): ConnectionSnapshot
  scores(): ScoresView
  settings(): SettingsView
  pickups(): PickupView[]
  /**
   * Closes the page's RTCPeerConnection, as a network failure would end it (the only call that
   * changes anything). Throws when the page has no connection.
   */
  dropConnection(): void
}

declare global {
  interface Window {
    demo: DemoHook
  }
}
