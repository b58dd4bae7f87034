/**
 * Latency of the one-shot primitives with functions that return at once: what the protocol itself
 * costs on top of the channel. Not a test; `npm run bench` runs it over a real DataChannel.
 */
import type { Session } from '../../src/session.js'
import type { SelectResult } from '../../src/ops/one-shot/select.js'
import { pairedRounds, type Paired, type Sample } from './paired.js'

type Kind = 'join' | 'tryJoin' | 'select' | 'trySelect' | 'exchange'
const KINDS: readonly Kind[] = ['join', 'tryJoin', 'select', 'trySelect', 'exchange']

let runs = 0

/**
 * Runs `rounds` sequential rounds of each primitive (after a short warm-up); in each round both
 * sides call at the same moment with an immediately returning function, and the latency is the
 * time from the call to its settlement. For join, tryJoin and exchange it is measured on the
 * leader; for select and trySelect on the side that won (the winner's view). Each kind's rounds
 * alternate in blocks with `baseline` rounds (the raw RTT on the same connection).
 */
export async function benchOps(
  pair: { leader: Session; follower: Session },
  opts: { rounds: number; baseline: Sample },
): Promise<Record<string, Paired>> {
  const run = ++runs
  const results: Record<string, Paired> = {}
  // Steady state: every kind runs before any is measured (the first few hundred calls of a fresh
  // session are slower while the JIT compiles the whole path).
  const warmUp = Math.min(300, opts.rounds)
  for (const kind of KINDS) {
    for (let i = 0; i < warmUp; i++) await Promise.all([timed(pair.leader, kind, `warm:${run}:${kind}:${i}`, 1), timed(pair.follower, kind, `warm:${run}:${kind}:${i}`, 2)])
  }
  for (const kind of KINDS) {
    const round: Sample = async (i) => {
      // Explicit keys: the benchmark must not shift the sessions' default per-kind call order.
      const key = `bench:${run}:${kind}:${i}`
      const [leader, follower] = await Promise.all([timed(pair.leader, kind, key, 1), timed(pair.follower, kind, key, 2)])
      const select = kind === 'select' || kind === 'trySelect'
      return select && !(leader.result as SelectResult<number>).won ? follower.ms : leader.ms
    }
    results[kind] = await pairedRounds(opts.rounds, round, opts.baseline)
  }
  return results
}

async function timed(session: Session, kind: Kind, key: string, value: number): Promise<{ ms: number; result: unknown }> {
  const start = performance.now()
  const result = await (kind === 'exchange' ? session.exchange(value, { key }) : session[kind](() => value, { key }))
  return { ms: performance.now() - start, result }
}
