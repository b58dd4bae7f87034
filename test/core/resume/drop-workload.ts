import { NetError } from '../../../src/base/errors.js'
import type { Session } from '../../../src/session.js'
import type { NetMutex } from '../../../src/ops/lock/mutex.js'
import { prng, randomInt, type Random } from '../../helpers/prng.js'
import { nextMacrotask } from '../../helpers/promises.js'

/**
 * The traffic a drop-fuzz round keeps in flight on both sides of a session: a channel each way
 * (some values large enough to be chunked), a contended counter behind a NetMutex, and joins and
 * selects of every flavour. Each check records a violation instead of throwing, so a round always
 * finishes and the test reports every broken guarantee with its seed.
 */

export type Side = 'a' | 'b'

export interface RoundPlan {
  readonly round: number
  readonly seed: number
  readonly channelMessages: number
  readonly increments: number
  readonly joins: number
  readonly selects: number
  /** Exchanges and syncStarts. */
  readonly syncs: number
}

/** Above the 256 KiB chunk size: these values travel as several chunks. */
const BIG_MIN = 256 * 1024 + 1
const BIG_MAX = 400 * 1024

/** Who holds the shared counter's lock, checked on every grant. */
export class LockWatch {
  #holder: Side | undefined
  #lastEpoch = 0
  grants = 0

  constructor(private readonly violations: string[]) {}

  enter(side: Side, epoch: number): void {
    if (this.#holder !== undefined) this.violations.push(`lock granted to ${side} while ${this.#holder} holds it`)
    if (!(epoch > this.#lastEpoch)) this.violations.push(`lock epoch ${epoch} granted to ${side} after epoch ${this.#lastEpoch}`)
    this.#holder = side
    this.#lastEpoch = Math.max(epoch, this.#lastEpoch)
    this.grants++
  }

  leave(): void {
    this.#holder = undefined
  }
}

interface ChannelValue {
  n: number
  size: number
  pad?: Uint8Array
}

type Outcome = { ok: true; value: unknown; won?: boolean } | { ok: false; code: string }

/** Both sides' outcomes of each join and select, by key, checked once both settled. */
type Outcomes = Map<string, OneShot>

interface OneShot {
  kind: string
  throwers: Side[]
  aborter: Side | undefined
  a?: Outcome
  b?: Outcome
}

/** Runs one round on both sides; resolves once everything settled. Violations go to `violations`. */
export async function runRound(sessions: Record<Side, Session>, mutexes: Record<Side, NetMutex<number>>, plan: RoundPlan, watch: LockWatch, violations: string[]): Promise<void> {
  const outcomes: Outcomes = new Map()
  const work: Promise<void>[] = []
  for (const side of ['a', 'b'] as const) {
    const session = sessions[side]
    const random = (salt: number): Random => prng(plan.seed * 31 + plan.round * 7919 + salt + (side === 'a' ? 0 : 104729))
    const channel = session.channel<ChannelValue>(`ch${plan.round}`, { windowBytes: 1024 * 1024 })
    work.push(sendChannel(channel, plan.channelMessages, random(1)))
    work.push(readChannel(channel, plan.channelMessages, `${side} reading ch${plan.round}`, violations))
    const half = Math.floor(plan.increments / 2)
    work.push(increment(side, mutexes[side], half, random(2), watch), increment(side, mutexes[side], plan.increments - half, random(4), watch))
    work.push(oneShots(side, session, plan, outcomes, random(3)))
  }
  const settled = await Promise.allSettled(work)
  for (const result of settled) if (result.status === 'rejected') violations.push(`round ${plan.round}: ${describe(result.reason)}`)
  for (const [key, op] of outcomes) checkAgreement(key, op, violations)
}

async function sendChannel(channel: ReturnType<Session['channel']>, count: number, random: Random): Promise<void> {
  for (let n = 0; n < count; n++) {
    const big = random() < 0.1
    const size = big ? randomInt(random, BIG_MIN, BIG_MAX) : randomInt(random, 0, 64)
    const pad = new Uint8Array(size).fill(n & 0xff)
    if (size > 1) pad[size - 1] = (n * 7) & 0xff
    await channel.send({ n, size, pad })
  }
  await channel.close()
}

async function readChannel(channel: AsyncIterable<unknown>, count: number, what: string, violations: string[]): Promise<void> {
  let expected = 0
  for await (const raw of channel) {
    const value = raw as ChannelValue
    if (value.n !== expected) violations.push(`${what}: message ${value.n} where ${expected} was due (lost or duplicated)`)
    const pad = value.pad ?? new Uint8Array(0)
    const intact = pad.length === value.size && (value.size === 0 || (pad[0] === (value.n & 0xff) && (value.size === 1 || pad[value.size - 1] === ((value.n * 7) & 0xff))))
    if (!intact) violations.push(`${what}: message ${value.n} arrived damaged (${pad.length} of ${value.size} bytes)`)
    expected = value.n + 1
  }
  if (expected !== count) violations.push(`${what}: the channel ended after ${expected} of ${count} messages`)
}

async function increment(side: Side, mutex: NetMutex<number>, count: number, random: Random, watch: LockWatch): Promise<void> {
  for (let i = 0; i < count; i++) {
    await mutex.withLock(async (guard) => {
      watch.enter(side, guard.epoch)
      guard.value += 1
      for (let wait = randomInt(random, 0, 2); wait > 0; wait--) await nextMacrotask()
      watch.leave()
    })
  }
}

const FAMILIES = {
  join: ['join', 'tryJoin'],
  select: ['select', 'trySelect'],
  sync: ['exchange', 'syncStart'],
} as const
type Family = keyof typeof FAMILIES

/**
 * Joins, selects, exchanges and syncStarts, in turn; which kind, which side throws and which side
 * aborts are drawn from a source both sides share.
 */
async function oneShots(side: Side, session: Session, plan: RoundPlan, outcomes: Outcomes, random: Random): Promise<void> {
  const counts: Record<Family, number> = { join: plan.joins, select: plan.selects, sync: plan.syncs }
  for (let i = 0; i < Math.max(...Object.values(counts)); i++) {
    for (const [f, family] of (Object.keys(FAMILIES) as Family[]).entries()) {
      if (i >= counts[family]) continue
      const key = `r${plan.round}${family}${i}`
      const shared = prng(plan.seed + plan.round * 1_000_003 + i * 3 + f)
      const kind = FAMILIES[family][shared() < 0.5 ? 0 : 1]
      const draw = shared()
      const throwers: Side[] = family === 'sync' || draw < 0.7 ? [] : draw < 0.8 ? ['a'] : draw < 0.9 || family === 'join' ? ['b'] : ['a', 'b']
      // Sometimes one side aborts its call a few macrotasks in: both must still end the same way.
      const aborter = shared() < 0.2 ? (shared() < 0.5 ? 'a' : 'b') : undefined
      const delayMs = randomInt(shared, 5, 30)
      const entry = outcomes.get(key) ?? { kind, throwers, aborter }
      outcomes.set(key, entry)
      const delay = randomInt(random, 0, 3)
      const task = async (): Promise<Side> => {
        for (let wait = delay; wait > 0; wait--) await nextMacrotask()
        if (throwers.includes(side)) throw new Error(`${side} fails ${key}`)
        return side
      }
      const abort = new AbortController()
      if (aborter === side) void macrotasks(randomInt(random, 0, 6)).then(() => abort.abort())
      const signal = abort.signal
      const op =
        kind === 'exchange' ? session.exchange(side, { key, signal }) : kind === 'syncStart' ? session.syncStart(() => side, { key, signal, delayMs }) : session[kind](task, { key, signal })
      entry[side] = await outcomeOf(op)
    }
  }
}

async function macrotasks(count: number): Promise<void> {
  for (let i = 0; i < count; i++) await nextMacrotask()
}

async function outcomeOf(op: Promise<unknown>): Promise<Outcome> {
  try {
    const value = await op
    if (typeof value === 'object' && value !== null && 'won' in value) {
      const { won, value: inner } = value as { won: boolean; value?: unknown }
      return { ok: true, won, value: inner }
    }
    return { ok: true, value }
  } catch (err) {
    return { ok: false, code: err instanceof NetError ? err.code : 'own' }
  }
}

/** Both sides of one operation must tell the same story. */
function checkAgreement(key: string, op: OneShot, violations: string[]): void {
  const { a, b, kind, throwers, aborter } = op
  const story = `${kind} ${key} (throwers: ${throwers.join(',') || 'none'}, aborter: ${aborter ?? 'none'}): a ${JSON.stringify(a)}, b ${JSON.stringify(b)}`
  if (a === undefined || b === undefined) return void violations.push(`${story}: not run on both sides`)
  const outcome = { a, b }
  const isOwn = (o: Outcome): boolean => !o.ok && o.code === 'own'
  const isRemote = (o: Outcome): boolean => !o.ok && o.code === 'remote'
  const isAborted = (o: Outcome): boolean => !o.ok && o.code === 'aborted'
  const fine = ((): boolean => {
    // An abort ends both calls unfinished (`aborted`, or a failure that was already on its way),
    // or changes nothing (OpOptions.signal).
    if (isAborted(a) || isAborted(b)) return aborter !== undefined && !a.ok && !b.ok
    switch (kind) {
      case 'join':
        return (['a', 'b'] as const).every((s) => (throwers.includes(s) ? isOwn(outcome[s]) : outcome[s].ok && outcome[s].value === s))
      case 'tryJoin':
        if (throwers.length === 0) return a.ok && b.ok && a.value === 'a' && b.value === 'b'
        return (['a', 'b'] as const).every((s) => (throwers.includes(s) ? isOwn(outcome[s]) : isRemote(outcome[s])))
      case 'select':
      case 'trySelect': {
        if (a.ok && b.ok) {
          const winners = (['a', 'b'] as const).filter((s) => (outcome[s] as { won?: boolean }).won === true)
          return winners.length === 1 && !throwers.includes(winners[0]!) && (outcome[winners[0]!] as { value?: unknown }).value === winners[0]
        }
        if (kind === 'select') return (isOwn(a) && isRemote(b) && throwers.includes('a')) || (isRemote(a) && isOwn(b) && throwers.includes('b'))
        return throwers.length === 2 && isRemote(a) && isRemote(b)
      }
      case 'exchange':
        return a.ok && b.ok && a.value === 'b' && b.value === 'a'
      case 'syncStart':
        // Late (the instant passed during an outage) on both sides, or started on both.
        return a.ok && b.ok ? a.value === 'a' && b.value === 'b' : !a.ok && !b.ok && a.code === 'late' && b.code === 'late'
      default:
        return false
    }
  })()
  if (!fine) violations.push(`${story}: the sides disagree or broke the contract`)
}

function describe(err: unknown): string {
  return err instanceof Error ? `${err.name} ${(err as NetError).code ?? ''}: ${err.message}` : String(err)
}
