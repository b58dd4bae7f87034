// The rounds, each primitive doing what it is for:
//   join       both players pressed Ready
//   exchange   the round's random layout (both seeds combined) and the settings it runs with
//   syncStart  the countdown starts on both screens at the same instant (start.ts); sleepUntil
//              waits for "go" and for the end of the round on the shared timeline
//   exchange   how late each side started, to show the start skew
//   select     per coin: each side races until its own player reaches it; one winner
//   NetMutex   the winner adds the coin to the scoreboard
// Each round runs in its own scope (round-1, round-2, …): its operations take the scope's default
// keys (join#1, exchange#1, select#1 for the first coin, …), and the round ends as a unit.
import { isNetError, type Scope } from 'netbeam'
import { makeLayout, randomSeed, reaches, type Point } from './layout.js'
import type { Motion } from './motion.js'
import { COLOR_NAMES, otherColor, sanitizeSettings, type Color, type Settings } from './protocol.js'
import { addPoint, notify, type Shared } from './shared.js'
import { sanitizeCountdown, startCountdown } from './start.js'
import type { DemoState } from './state.js'
import type { ReadyGate } from './ready-gate.js'

/** The round's time ran out before this side's player reached the coin. */
class RoundOver extends Error {
  override readonly name = 'RoundOver'
}

interface LayoutOffer {
  seed: number
  settings: Settings
  countdownMs: number
}

export interface GameDeps {
  readonly shared: Shared
  readonly state: DemoState
  readonly motion: Motion
  readonly ready: ReadyGate
  /** The countdown this side asks for; the leader's applies to both. */
  readonly countdownMs: number
  /** Appends a line to the page's event log. */
  readonly log: (line: string) => void
}

/** Plays rounds until the session closes; rejects with the session's NetError then. */
export async function playRounds(deps: GameDeps): Promise<never> {
  for (let round = 1; ; round++) {
    const scope = deps.shared.session.scope(`round-${round}`)
    try {
      await lobby(deps, round, scope)
      await agreeOnLayout(deps, round, scope)
      await startCountdown(deps, round, scope)
      await race(deps, round, scope)
    } finally {
      // Not awaited: the next lobby shows at once; the scope ends once both sides are done with it
      // (the skew report may still be on its way), or with the session.
      void scope.close()
    }
  }
}

async function lobby({ shared, state, ready, log }: GameDeps, round: number, scope: Scope): Promise<void> {
  state.phase = 'lobby'
  state.round = round
  state.readyMe = false
  state.message = round === 1 ? 'Press Ready (or Enter) when you are set.' : `${roundSummary(state, round - 1)} Press Ready for round ${round}.`
  await scope.join(async (signal) => {
    await ready.wait(signal)
    state.readyMe = true
    state.message = 'Waiting for the other player to press Ready…'
    notify(shared, { t: 'ready', round })
  })
  log(`round ${round}: both players ready (join)`)
}

async function agreeOnLayout({ shared, state, log, countdownMs }: GameDeps, round: number, scope: Scope): Promise<void> {
  state.phase = 'starting'
  state.message = 'Both ready: agreeing on the layout…'
  const mine: LayoutOffer = { seed: randomSeed(), settings: await shared.settings.withRead((g) => sanitizeSettings(g.value)), countdownMs }
  const theirs = await scope.exchange<Partial<LayoutOffer>, LayoutOffer>(mine)
  // An edit can land between the two reads; the leader's copy settles which one the round uses.
  const leader = shared.session.role === 'leader'
  const settings = leader ? mine.settings : sanitizeSettings(theirs.settings)
  const seed = (mine.seed ^ (Number(theirs.seed) >>> 0)) >>> 0
  state.roundSettings = settings
  state.countdownMs = leader ? mine.countdownMs : sanitizeCountdown(theirs.countdownMs)
  state.layout = makeLayout(seed, settings)
  log(`round ${round}: layout ${seed.toString(16).padStart(8, '0')} (exchange), ${settings.coins} coins, ${settings.roundSeconds} s`)
}

async function race(deps: GameDeps, round: number, scope: Scope): Promise<void> {
  const { state, log } = deps
  const coins = state.layout!.coins
  for (let i = 0; i < coins.length; i++) {
    state.coinIndex = i
    const coin = coins[i]!
    const winner = await contest(deps, scope, coin)
    state.pickups.push({ round, coin: i, winner })
    state.flash = { coin, winner, at: performance.now() }
    if (winner === null) {
      log(`round ${round}: time is up, coin ${i + 1} not taken`)
      break
    }
    log(`round ${round}: coin ${i + 1} to ${COLOR_NAMES[winner]} (select)`)
    if (winner === state.me) {
      // Not awaited: the next coin appears at once; the scoreboard catches up a round trip later.
      addPoint(deps.shared, winner).catch((err: unknown) => {
        if (!isNetError(err)) console.error('scoreboard update failed', err)
      })
    }
  }
  state.coinIndex = coins.length
}

/** One select (the round's n-th for its n-th coin): resolves with the player who got the coin, or null if the time ran out first. */
async function contest({ shared, state, motion }: GameDeps, scope: Scope, coin: Point): Promise<Color | null> {
  try {
    const result = await scope.select((signal) => reachCoin(shared, state, motion, coin, signal))
    return result.won ? state.me : otherColor(state.me)
  } catch (err) {
    // The round timer "won" the race on one side: that side rejects with RoundOver, the other with
    // NetError `remote` naming it. Either way both sides agree the coin was not taken.
    if (err instanceof RoundOver || (isNetError(err, 'remote') && err.remoteName === 'RoundOver')) return null
    throw err
  }
}

/** This side's part of the race: done when its own player touches the coin; fails when time is up. */
async function reachCoin(shared: Shared, state: DemoState, motion: Motion, coin: Point, signal: AbortSignal): Promise<true> {
  const raceOver = new AbortController()
  const until = AbortSignal.any([signal, raceOver.signal, shared.ended])
  const timeUp = shared.session.sleepUntil(state.endAt, { signal: until }).then(() => {
    throw new RoundOver(`round ${state.round} is over`)
  })
  try {
    return await Promise.race([touches(state, motion, coin, until), timeUp])
  } finally {
    raceOver.abort() // stops whichever wait is still running
  }
}

/** Resolves when this side's player touches the coin; rejects with the reason when `signal` aborts. */
function touches(state: DemoState, motion: Motion, coin: Point, signal: AbortSignal): Promise<true> {
  return new Promise<true>((resolve, reject) => {
    const stop = (): void => {
      motion.listeners.delete(check)
      signal.removeEventListener('abort', onAbort)
    }
    const check = (): void => {
      if (!reaches(state.myPos, coin)) return
      stop()
      resolve(true)
    }
    const onAbort = (): void => {
      stop()
      reject(signal.reason)
    }
    if (signal.aborted) return reject(signal.reason)
    signal.addEventListener('abort', onAbort, { once: true })
    motion.listeners.add(check)
    check()
  })
}

function roundSummary(state: DemoState, round: number): string {
  const taken = state.pickups.filter((p) => p.round === round)
  const count = (c: Color): number => taken.filter((p) => p.winner === c).length
  const [blue, amber] = [count('blue'), count('amber')]
  const verdict = blue === amber ? 'A draw' : `${COLOR_NAMES[blue > amber ? 'blue' : 'amber']} wins the round`
  return `Round ${round}: Blue ${blue} – Amber ${amber}. ${verdict}.`
}
