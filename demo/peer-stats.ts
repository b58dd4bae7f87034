// The other player's match statistics, asked for over rpc: each page serves its own numbers as
// the `match-stats` service, and the Scoreboard's button calls the peer's (one message each way,
// with a timeout that also stops the peer's handler if it were slow).
import type { Session } from 'netbeam'
import type { DemoState } from './state.js'

/** What a page tells its peer about its side of the match. */
export interface MatchStats {
  color: DemoState['me']
  /** Rounds played to the end in this session. */
  rounds: number
  coinsTaken: number
  resumes: number
  rttMs: number
}

/** The `match-stats` service both pages serve and call. */
export interface MatchStatsApi {
  stats(): MatchStats
}

const ASK_TIMEOUT_MS = 2000

/** Serves this page's statistics on `session`; the peer asks with {@link askPeerStats}. */
export function serveMatchStats(session: Session, state: DemoState): void {
  session.rpc<MatchStatsApi>('match-stats').handle({
    stats: () => ({
      color: state.me,
      rounds: new Set(state.pickups.map((pickup) => pickup.round)).size,
      coinsTaken: state.pickups.filter((pickup) => pickup.winner === state.me).length,
      resumes: state.resumes,
      rttMs: session.clock.rttMs,
    }),
  })
}

/** Asks the peer for its statistics; resolves with a line for the log, whatever happened. */
export async function askPeerStats(session: Session): Promise<string> {
  const started = performance.now()
  try {
    const peer = await session.rpc<MatchStatsApi>('match-stats').call.stats({ signal: AbortSignal.timeout(ASK_TIMEOUT_MS) })
    const ms = (performance.now() - started).toFixed(1)
    return `${peer.color} says (rpc, ${ms} ms): ${peer.coinsTaken} coins in ${peer.rounds} rounds, ${peer.resumes} reconnects, RTT ${peer.rttMs.toFixed(2)} ms`
  } catch (err) {
    return `the other player's stats did not come: ${err instanceof Error ? err.message : String(err)}`
  }
}

/** Wires the Scoreboard's "Ask the other player" button to {@link askPeerStats}. */
export function wirePeerStatsButton(session: () => Session | undefined, log: (line: string) => void): void {
  const button = document.getElementById('peer-stats')
  if (!button) throw new Error('#peer-stats is missing from index.html')
  button.addEventListener('click', () => {
    const current = session()
    if (current === undefined || current.isClosed) return log('no other player to ask yet')
    void askPeerStats(current).then(log)
  })
}
