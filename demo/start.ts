// The synchronized start of a round: `syncStart` runs the countdown on both screens at one
// instant, then an `exchange` confirms that both sides started and reports the start skew.
import { isNetError, type SyncStartInfo } from '../src/index.js'
import type { GameDeps } from './game.js'
import { COLOR_NAMES, otherColor, type Color } from './protocol.js'
import { waitForSharedTime } from './timing.js'

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
const MAX_START_DELAY_MS = 2000

/** What each side tells the other after a syncStart. */
interface StartOutcome {
  started: boolean
  /** How late this side started (ms), when it did. */
  late: number | null
  /** This side's clock error bound (the leader's clock is the timeline: 0 there). */
  errorBound: number
}

/**
 * Starts the countdown on both sides at the same instant and waits for "go".
 *
 * A follower that hears of the start instant only after it passed (a busy machine) rejects with
 * NetError `late`, while the leader may already have started. So both sides confirm with an
 * exchange, and if either did not start, both try again with more lead.
 */
export async function startCountdown(deps: GameDeps, round: number): Promise<void> {
  const { shared, state, motion, log } = deps
  const { session } = shared
  const layout = state.layout!
  const begin = (start: SyncStartInfo<unknown>): SyncStartInfo<unknown> => {
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
  for (let attempt = 1; ; attempt++) {
    let info: SyncStartInfo<unknown> | undefined
    try {
      const delayMs = Math.min(MAX_START_DELAY_MS, START_DELAY_MS * 2 ** (attempt - 1))
      info = await session.syncStart(begin, { key: `start/${round}/${attempt}`, delayMs })
    } catch (err) {
      if (!isNetError(err, 'late')) throw err
    }
    const mine: StartOutcome = {
      started: info !== undefined,
      late: info?.lateByMs ?? null,
      errorBound: session.role === 'leader' ? 0 : session.clock.errorBoundMs,
    }
    const theirs = await session.exchange<Partial<StartOutcome>, StartOutcome>(mine, { key: `started/${round}/${attempt}` })
    if (info !== undefined && theirs.started === true) {
      report(deps, round, info.lateByMs, Number(theirs.late), Math.max(mine.errorBound, Number(theirs.errorBound) || 0))
      break
    }
    state.phase = 'starting'
    state.message = 'The start signal came too late on one side (a busy computer?); starting again…'
    log(`round ${round}: start attempt ${attempt} missed on ${info ? 'the other side' : 'this side'}; trying again with more lead`)
  }
  await waitForSharedTime(session, state.goAt)
  state.phase = 'playing'
  state.message = 'Go! Grab the coin before the other player does.'
}

function report({ state, log }: GameDeps, round: number, myLate: number, peerLate: number, errorBoundMs: number): void {
  const lateMs = { [state.me]: myLate, [otherColor(state.me)]: peerLate } as Record<Color, number>
  const skewMs = Math.abs(myLate - peerLate)
  state.lastStart = { round, lateMs, skewMs, errorBoundMs }
  const lates = (['blue', 'amber'] as const).map((c) => `${COLOR_NAMES[c]} ${lateMs[c].toFixed(3)}`).join(', ')
  log(`round ${round}: synchronized start (syncStart), skew ${skewMs.toFixed(3)} ms ± ${errorBoundMs.toFixed(3)} ms (late: ${lates})`)
}
