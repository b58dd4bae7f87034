// The synchronized start of a round: `syncStart` begins the countdown on both screens at one
// instant, `sleepUntil` waits for "go" on the shared timeline, and an `exchange` of how late each
// side started shows the start skew.
import { isNetError, type Scope, type SyncStartInfo } from 'netbeam'
import type { GameDeps } from './game.js'
import { COLOR_NAMES, otherColor, type Color } from './protocol.js'

/** 3, 2, 1 before each round. */
export const COUNTDOWN_MS = 3000
/**
 * The countdown with `?quick` in the page URL, which the browser tests use: the same rounds with
 * less waiting. Whatever each side asks for, the leader's choice applies to both (see game.ts).
 */
export const QUICK_COUNTDOWN_MS = 500

/** The peer's countdown, within [0, COUNTDOWN_MS]; anything else gives the normal one. */
export function sanitizeCountdown(raw: unknown): number {
  return typeof raw === 'number' && raw >= 0 && raw <= COUNTDOWN_MS ? Math.round(raw) : COUNTDOWN_MS
}
/** Lead for syncStart beyond what the network needs: the countdown appears 150 ms after both are ready. */
const START_DELAY_MS = 150
/**
 * A start refused as `late` (the agreed instant had passed when one side heard of it: a stalled
 * page) is refused on both sides, so both try again, with twice the lead each time, this often.
 */
const START_ATTEMPTS = 4

/** What each side tells the other after it started, to show the skew. */
interface StartReportMessage {
  /** How late this side started (ms). */
  late: number
  /** This side's clock error bound (the leader's clock is the timeline: 0 there). */
  errorBound: number
}

/** Starts the countdown on both sides at the same instant and waits for "go"; runs in the round's scope. */
export async function startCountdown(deps: GameDeps, round: number, scope: Scope): Promise<void> {
  const { shared, state } = deps
  const info = await syncStart(deps, round, scope)
  // Only for the network panel: the race need not wait for it.
  reportSkew(deps, round, scope, info).catch(() => {}) // fails only when the session (or the round's scope) closes
  await shared.session.sleepUntil(state.goAt, { signal: shared.ended })
  state.phase = 'playing'
  state.message = 'Go! Grab the coin before the other player does.'
}

/** Each attempt is the scope's next syncStart (both sides retry together: a late start is refused on both). */
async function syncStart(deps: GameDeps, round: number, scope: Scope): Promise<SyncStartInfo<unknown>> {
  const { state, log } = deps
  for (let attempt = 1; ; attempt++) {
    try {
      const delayMs = START_DELAY_MS * 2 ** (attempt - 1)
      return await scope.syncStart((start) => beginCountdown(deps, start), { delayMs })
    } catch (err) {
      if (!isNetError(err, 'late') || attempt === START_ATTEMPTS) throw err
      state.phase = 'starting'
      state.message = 'The start signal came too late on one side (a busy computer?); starting again…'
      log(`round ${round}: start attempt ${attempt} was late on one side; trying again with more lead`)
    }
  }
}

/** Runs at the agreed instant, on both sides: the countdown begins. */
function beginCountdown({ state, motion }: GameDeps, start: SyncStartInfo<unknown>): SyncStartInfo<unknown> {
  const layout = state.layout!
  state.phase = 'countdown'
  state.countdownAt = start.at
  state.goAt = start.at + state.countdownMs
  state.endAt = state.goAt + state.roundSettings.roundSeconds * 1000
  state.coinIndex = 0
  state.flash = null
  state.message = 'Get ready…'
  state.peerPos = { ...layout.spawn[otherColor(state.me)] }
  const spawn = layout.spawn[state.me]
  motion.place(spawn.x, spawn.y)
  return start
}

async function reportSkew({ shared, state, log }: GameDeps, round: number, scope: Scope, info: SyncStartInfo<unknown>): Promise<void> {
  const { session } = shared
  const mine: StartReportMessage = { late: info.lateByMs, errorBound: session.role === 'leader' ? 0 : session.clock.errorBoundMs }
  // The round's second exchange (after the layout's).
  const theirs = await scope.exchange<Partial<StartReportMessage>, StartReportMessage>(mine)
  const lateMs = { [state.me]: mine.late, [otherColor(state.me)]: Number(theirs.late) } as Record<Color, number>
  const skewMs = Math.abs(lateMs.blue - lateMs.amber)
  const errorBoundMs = Math.max(mine.errorBound, Number(theirs.errorBound) || 0)
  state.lastStart = { round, lateMs, skewMs, errorBoundMs }
  const lates = (['blue', 'amber'] as const).map((c) => `${COLOR_NAMES[c]} ${lateMs[c].toFixed(3)}`).join(', ')
  log(`round ${round}: synchronized start (syncStart), skew ${skewMs.toFixed(3)} ms ± ${errorBoundMs.toFixed(3)} ms (late: ${lates})`)
}
