// `window.demo`: a read-only view of the page for tests and the curious (try `demo.snapshot()`
// in the console). It only reads state; the game never behaves differently because of it.
import type { Session, SessionStats } from '../src/index.js'
import type { Point } from './layout.js'
import { SESSION_OPTIONS, sessionEnded } from './net.js'
import type { Color, Scoreboard, Settings } from './protocol.js'
import type { ConnectionLoss, ConnectionPhase, DemoState, GamePhase, PickupRecord, StartReport } from './state.js'

export interface ConnectionSnapshot {
  state: ConnectionPhase
  room: string
  /** The session role (null between sessions); the leader plays Blue. */
  role: 'leader' | 'follower' | null
  color: Color
  /** Sessions this page has had; a new player joining the room starts a new one. */
  sessions: number
  lastLoss: ConnectionLoss | null
  /** A silent peer is declared gone after this long (the session's `timeoutMs`). */
  heartbeatBoundMs: number
  /** How often the session checks on its peer (its `heartbeatMs`). */
  heartbeatMs: number
}

export interface DemoSnapshot {
  connection: ConnectionSnapshot
  phase: GamePhase
  round: number
  readyMe: boolean
  peerReady: boolean
  me: Point
  peer: Point
  /** The coin being raced for, while a round is played. */
  coin: { index: number; total: number; x: number; y: number } | null
  layoutSeed: number | null
  scores: Scoreboard
  settings: Settings
  roundSettings: Settings
  pickups: PickupRecord[]
  lastStart: StartReport | null
  /** The session's shared timeline now (ms), and when the round ends on it. */
  sharedNow: number | null
  endAt: number
  net: { rttMs: number; offsetMs: number; errorBoundMs: number; stats: SessionStats; moves: DemoState['moves'] } | null
  message: string
}

export interface DemoHook {
  snapshot(): DemoSnapshot
  connection(): ConnectionSnapshot
  scores(): Scoreboard
  settings(): Settings
  pickups(): PickupRecord[]
}

declare global {
  interface Window {
    demo: DemoHook
  }
}

const copy = <T>(value: T): T => structuredClone(value)

export function installHook(state: DemoState, currentSession: () => Session | undefined): DemoHook {
  const connection = (): ConnectionSnapshot => ({
    state: state.connection,
    room: state.room,
    role: state.connection === 'connected' ? (currentSession()?.role ?? null) : null,
    color: state.me,
    sessions: state.sessions,
    lastLoss: copy(state.lastLoss),
    heartbeatBoundMs: SESSION_OPTIONS.timeoutMs,
    heartbeatMs: SESSION_OPTIONS.heartbeatMs,
  })
  const hook: DemoHook = {
    snapshot() {
      const session = currentSession()
      const coin = state.phase === 'playing' ? state.layout?.coins[state.coinIndex] : undefined
      return {
        connection: connection(),
        phase: state.phase,
        round: state.round,
        readyMe: state.readyMe,
        peerReady: state.peerReadyRound === state.round,
        me: copy(state.myPos),
        peer: copy(state.peerPos),
        coin: coin ? { index: state.coinIndex, total: state.layout?.coins.length ?? 0, ...coin } : null,
        layoutSeed: state.layout?.seed ?? null,
        scores: copy(state.scores),
        settings: copy(state.settings),
        roundSettings: copy(state.roundSettings),
        pickups: copy(state.pickups),
        lastStart: copy(state.lastStart),
        sharedNow: session && !sessionEnded(session) ? session.now() : null,
        endAt: state.endAt,
        net: session
          ? { ...session.clock, stats: { ...session.stats }, moves: { ...state.moves } }
          : null,
        message: state.message,
      }
    },
    connection,
    scores: () => copy(state.scores),
    settings: () => copy(state.settings),
    pickups: () => copy(state.pickups),
  }
  window.demo = hook
  return hook
}
