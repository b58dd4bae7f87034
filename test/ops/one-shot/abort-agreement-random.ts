/**
 * Seeded randomized agreement check (not a test file): many one-shot operations in which either
 * side, or both, may call late, fail, and abort at a random moment before or after its function
 * finished; every run must end with both sides agreeing. The seed fixes each run's plan (which
 * side does what, and when); the interleaving then comes from real timers and the link.
 */
import { expect } from 'vitest'
import { isNetError } from '../../../src/base/errors.js'
import type { Session } from '../../../src/session.js'
import type { SessionPair } from '../../helpers/session-pair.js'
import { randomInt, type Random } from '../../helpers/prng.js'
import { RacerError } from './op-helpers.js'
import { sessionCore } from '../../../src/session.js'
import { delivered, messagesFor } from '../../helpers/session-probes.js'

const KINDS = ['join', 'tryJoin', 'select', 'trySelect', 'exchange'] as const
type Kind = (typeof KINDS)[number]

/** What one side does in one run. */
interface SidePlan {
  readonly name: 'L' | 'F'
  /** Calls this long after the run starts (0: at once), so the peer's messages may wait for it. */
  readonly callAfterMs: number
  /** How long its function runs. */
  readonly fnMs: number
  readonly fails: boolean
  /** Aborts this long after calling, or never. */
  readonly abortAfterMs: number | undefined
}

type Outcome = { ok: true; value: unknown } | { ok: false; error: unknown }

function planSide(random: Random, name: 'L' | 'F'): SidePlan {
  return {
    name,
    callAfterMs: random() < 0.3 ? randomInt(random, 1, 8) : 0,
    fnMs: randomInt(random, 0, 6),
    fails: random() < 0.2,
    abortAfterMs: random() < 0.6 ? randomInt(random, 0, 10) : undefined,
  }
}

const later = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms))

/** One side's call, run to its outcome; the function stops at once when its signal aborts. */
async function runSide(session: Session, kind: Kind, key: string, plan: SidePlan): Promise<Outcome> {
  if (plan.callAfterMs > 0) await later(plan.callAfterMs)
  const ac = new AbortController()
  if (plan.abortAfterMs !== undefined) setTimeout(() => ac.abort(), plan.abortAfterMs)
  const fn = (signal: AbortSignal): Promise<string> =>
    new Promise((resolve, reject) => {
      const timer = setTimeout(() => (plan.fails ? reject(new RacerError(`${plan.name} failed`)) : resolve(plan.name)), plan.fnMs)
      signal.addEventListener('abort', () => (clearTimeout(timer), reject(signal.reason)), { once: true })
    })
  const options = { key, signal: ac.signal }
  const call = kind === 'exchange' ? session.exchange(plan.name, options) : session[kind](fn, options)
  return call.then(
    (value: unknown) => ({ ok: true, value }),
    (error: unknown) => ({ ok: false, error }),
  )
}

const aborted = (o: Outcome): boolean => !o.ok && isNetError(o.error, 'aborted')
const ownFailure = (o: Outcome, plan: SidePlan): boolean => !o.ok && o.error instanceof RacerError && o.error.message === `${plan.name} failed`

/** The agreement each kind promises, checked on one run's two outcomes. */
function expectAgreement(kind: Kind, l: Outcome, f: Outcome, lp: SidePlan, fp: SidePlan): void {
  const what = `${kind}: leader ${JSON.stringify(lp)} → ${describe(l)}; follower ${JSON.stringify(fp)} → ${describe(f)}`
  // Aborted on one side means aborted on both, except where a tryJoin side failed (and settled) first.
  if (kind !== 'tryJoin') expect(aborted(l), what).toBe(aborted(f))
  else if (aborted(l) !== aborted(f)) expect(aborted(l) ? ownFailure(f, fp) : ownFailure(l, lp), what).toBe(true)
  if (kind === 'join') {
    // Completed: each side has its own function's outcome.
    for (const [o, p] of [[l, lp], [f, fp]] as const) if (!aborted(o)) expect(o.ok ? o.value === p.name : ownFailure(o, p), what).toBe(true)
    return
  }
  expect(l.ok, what).toBe(f.ok)
  if (!l.ok || !f.ok) return
  if (kind === 'exchange') return expect([l.value, f.value], what).toEqual(['F', 'L'])
  if (kind === 'tryJoin') return expect([l.value, f.value], what).toEqual(['L', 'F'])
  const [lr, fr] = [l.value as { won: boolean; value?: unknown }, f.value as { won: boolean; value?: unknown }]
  expect(lr.won, what).not.toBe(fr.won)
  expect(lr.won ? lr.value : fr.value, what).toBe(lr.won ? 'L' : 'F')
}

function describe(o: Outcome): string {
  if (o.ok) return JSON.stringify(o.value)
  return isNetError(o.error) ? `NetError ${o.error.code}` : String(o.error)
}

/**
 * Runs `chains` chains at once, each `length` random operations on one key: each side calls the
 * next one as soon as its previous call settled, so calls pair by their place in the chain, and a
 * side often calls again while the peer's answer to its last call (aborted early) is still on its
 * way, or before the peer called at all. Checks agreement for every pair of calls, then that
 * nothing is left open or held.
 */
export async function randomReuseRuns(pair: SessionPair, random: Random, chains: number, length: number, tag: string): Promise<void> {
  const chain = async (c: number): Promise<void> => {
    const key = `random-reuse:${tag}:${c}`
    const plans = Array.from({ length }, () => {
      const kind = KINDS[randomInt(random, 0, KINDS.length - 1)]!
      return { kind, lp: planSide(random, 'L'), fp: planSide(random, 'F') }
    })
    const run = async (session: Session, side: 'lp' | 'fp'): Promise<Outcome[]> => {
      const outcomes: Outcome[] = []
      for (const plan of plans) outcomes.push(await runSide(session, plan.kind, key, plan[side]))
      return outcomes
    }
    const [l, f] = await Promise.all([run(pair.leader, 'lp'), run(pair.follower, 'fp')])
    plans.forEach(({ kind, lp, fp }, i) => expectAgreement(kind, l[i]!, f[i]!, lp, fp))
  }
  await Promise.all(Array.from({ length: chains }, (_, c) => chain(c)))
  await delivered(pair)
  for (const session of [pair.leader, pair.follower]) {
    expect(sessionCore(session).isClosed).toBe(false)
    expect(session.stats).toMatchObject({ openOperations: 0, heldMessages: 0 })
  }
}

/**
 * Runs `runs` random operations on `pair` (`batch` at a time, each on its own key) and checks
 * agreement in every one, then that nothing is left open or held on either side. Returns how many
 * runs took the cancel path (a third message or more), for the caller to report and bound.
 */
export async function randomAbortRuns(pair: SessionPair, random: Random, runs: number, batch: number, tag: string): Promise<number> {
  let cancelPaths = 0
  for (let start = 0; start < runs; start += batch) {
    const round = Array.from({ length: Math.min(batch, runs - start) }, async (_, i) => {
      const key = `random-abort:${tag}:${start + i}`
      const kind = KINDS[randomInt(random, 0, KINDS.length - 1)]!
      const [lp, fp] = [planSide(random, 'L'), planSide(random, 'F')]
      const [l, f] = await Promise.all([runSide(pair.leader, kind, key, lp), runSide(pair.follower, kind, key, fp)])
      expectAgreement(kind, l, f, lp, fp)
      if (messagesFor(pair, key) > 2) cancelPaths++
    })
    await Promise.all(round)
  }
  await delivered(pair) // the last answers (a fail-fast side's port waits for one) have arrived
  for (const session of [pair.leader, pair.follower]) {
    expect(sessionCore(session).isClosed).toBe(false)
    expect(session.stats).toMatchObject({ openOperations: 0, heldMessages: 0 })
  }
  return cancelPaths
}
