// Finding an opponent: join the room on the relay, connect a simple-peer, open a netbeam session.
// Loops until it has one (a relay restart or a peer leaving mid-handshake just means "try again").
import { fromSimplePeer, isNetError, NetError, Session, type SessionOptions } from 'netbeam'
import { connectPeer, type PeerConnection } from '../support/signalling.js'
import type { ConnectionPhase } from './state.js'

/**
 * A short heartbeat so a dropped connection is noticed within 3 s even when nothing tells us
 * (closing a tab usually does, at once: the relay and the data channel both report it). With
 * `resume`, a drop only suspends the session: reconnect.ts connects again and resumes it. A player
 * who does not come back within `graceMs` has left; closing the tab says so at once (a `bye`).
 */
export const SESSION_OPTIONS = { heartbeatMs: 500, timeoutMs: 3000, resume: { graceMs: 10_000 } } as const satisfies SessionOptions

/** Long enough to wait for a friend; connectPeer's own default (30 s) is meant for tests. */
const WAIT_FOR_PEER_MS = 60 * 60 * 1000
const RETRY_MS = 2000
/** A full room frees up when one of its players leaves. */
const ROOM_FULL_RETRY_MS = 3000

export interface Match {
  readonly session: Session
  readonly connection: PeerConnection
}

/** Resolves after `ms`, or at once when `signal` aborts. */
export function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms)
    signal.addEventListener('abort', done, { once: true })
    function done(): void {
      clearTimeout(timer)
      signal.removeEventListener('abort', done)
      resolve()
    }
  })
}

/**
 * Resolves with an open session to the next player who joins `room`; rejects only with
 * `signal.reason`. A full room is reported (`room-full`) and tried again every few seconds.
 */
export async function findOpponent(room: string, onPhase: (phase: ConnectionPhase, note?: string) => void, signal: AbortSignal): Promise<Match> {
  let full = false
  for (;;) {
    signal.throwIfAborted()
    if (!full) onPhase('waiting')
    let connection: PeerConnection
    try {
      connection = await connectPeer(room, {
        timeoutMs: WAIT_FOR_PEER_MS,
        signal,
        onStart: () => onPhase('connecting'),
        onWaiting: () => onPhase('waiting'),
      })
    } catch (err) {
      signal.throwIfAborted()
      const message = err instanceof Error ? err.message : String(err)
      const wasFull = full
      full = /is full/.test(message)
      if (full) onPhase('room-full', wasFull ? undefined : `${message}; waiting for a free spot`)
      else onPhase('waiting', `${message}; trying again`)
      await sleep(full ? ROOM_FULL_RETRY_MS : RETRY_MS, signal)
      continue
    }
    full = false
    onPhase('opening')
    try {
      // @types/simple-peer lacks `destroyed` and `_channel`, which simple-peer 9 has at runtime.
      const channel = fromSimplePeer(connection.peer)
      const session = await Session.open(channel, { ...SESSION_OPTIONS, signal })
      return { session, connection }
    } catch (err) {
      connection.close()
      await connection.left
      signal.throwIfAborted()
      onPhase('waiting', `the other player left during the handshake (${describeError(err)}); waiting again`)
    }
  }
}

/** A short human description of a session's close reason. */
export function describeLoss(reason: NetError): string {
  switch (reason.code) {
    case 'timeout':
      return `the other player did not come back within ${SESSION_OPTIONS.resume.graceMs / 1000} s`
    case 'closed':
      return 'the other player left'
    case 'protocol':
    case 'version':
      return `the other player's page misbehaved: ${reason.message}`
    default:
      return reason.message
  }
}

export function describeError(err: unknown): string {
  if (isNetError(err)) return `${err.code}: ${err.message}`
  return err instanceof Error ? err.message : String(err)
}

export { NetError }
