// Implements `window.demo` (its contract, the types, is support/demo-hook-api.ts). It only reads
// state, but for `dropConnection`, which cuts the connection as a network failure would.
import type { Session } from 'netbeam'
import type { PeerConnection } from '../support/signalling.js'
import type { ConnectionSnapshot, DemoHook } from '../support/demo-hook-api.js'
import { SESSION_OPTIONS } from './net.js'
import type { DemoState } from './state.js'

const copy = <T>(value: T): T => structuredClone(value)

export function installHook(state: DemoState, currentSession: () => Session | undefined, currentConnection: () => PeerConnection | undefined): DemoHook {
  const connection = (): ConnectionSnapshot => ({
    state: state.connection,
    room: state.room,
    role: state.connection === 'connected' ? (currentSession()?.role ?? null) : null,
    color: state.me,
    sessions: state.sessions,
    lastLoss: copy(state.lastLoss),
    heartbeatBoundMs: SESSION_OPTIONS.timeoutMs,
    heartbeatMs: SESSION_OPTIONS.heartbeatMs,
    resumeGraceMs: SESSION_OPTIONS.resume.graceMs,
    resumes: state.resumes,
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
        sharedNow: session && !session.isClosed ? session.now() : null,
        endAt: state.endAt,
        net: session ? { ...session.clock, stats: { ...session.stats }, moves: { ...state.moves } } : null,
        message: state.message,
      }
    },
    connection,
    scores: () => copy(state.scores),
    settings: () => copy(state.settings),
    pickups: () => copy(state.pickups),
    dropConnection() {
      // simple-peer keeps its RTCPeerConnection in `_pc`.
      const pc = (currentConnection()?.peer as { _pc?: RTCPeerConnection } | undefined)?._pc
      if (!pc) throw new Error('no peer connection to drop')
      pc.close()
    },
  }
  window.demo = hook
  return hook
}
