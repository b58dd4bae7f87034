import { expect } from 'vitest'
import type { Session } from '../../../src/session.js'
import type { LockGuard } from '../../../src/ops/lock/lock-guard.js'
import type { NetLockMode } from '../../../src/ops/lock/lock-wire.js'
import type { LockSnapshot } from '../../../src/ops/lock/lock-state.js'
import { until } from './lock-harness.js'
import { nextMacrotask } from '../../helpers/promises.js'

/**
 * A clock both sessions of one process share: the real clock, plus time the test skips ahead.
 * Skipping moves both sides' clocks together (the clock offset stays right), so "50 ms later"
 * takes no waiting at all.
 */
export class SkipClock {
  #skipped = 0
  readonly now = (): number => performance.timeOrigin + performance.now() + this.#skipped

  skip(ms: number): void {
    this.#skipped += ms
  }
}

/** One lock of the scenario: the mutex or rwlock `key` on one side, as plain acquire calls. */
interface ScenarioLock {
  acquire(mode: NetLockMode): Promise<LockGuard>
  query(): LockSnapshot
}

export type ScenarioKind = 'mutex' | 'rwlock'
/** The modes of A1, B1 and A2 (a mutex uses only writes). */
export type ScenarioModes = readonly [NetLockMode, NetLockMode, NetLockMode]

/** Every case the scenario runs: the kind and modes, which side holds the lock, and A's role. */
export const SCENARIOS: { kind: ScenarioKind; modes: ScenarioModes; holder: 'A' | 'B'; a: 'leader' | 'follower' }[] = []
for (const [kind, modes] of [
  ['mutex', ['write', 'write', 'write']],
  ['rwlock', ['write', 'write', 'write']],
  ['rwlock', ['read', 'write', 'read']],
  ['rwlock', ['write', 'read', 'write']],
] as const) {
  for (const holder of ['B', 'A'] as const) for (const a of ['leader', 'follower'] as const) SCENARIOS.push({ kind, modes, holder, a })
}

export function scenarioName(s: (typeof SCENARIOS)[number]): string {
  return `${s.kind} ${s.modes.join('/')}: ${s.holder === 'B' ? 'B' : 'A'} holds, A is the ${s.a}`
}

function openLock(session: Session, kind: ScenarioKind, key: string): ScenarioLock {
  if (kind === 'mutex') {
    const m = session.mutex<number>(key, { initial: 0 })
    return { acquire: () => m.lock(), query: () => m.query() }
  }
  const rw = session.rwlock<number>(key, { initial: 0 })
  return { acquire: (mode) => (mode === 'read' ? rw.read() : rw.write()), query: () => rw.query() }
}

/**
 * The scenario: while one side holds the lock, A requests (A1), 50 ms later B requests
 * (B1), 50 ms later A requests again (A2). Once the holder knows of all three, it releases; the
 * grants must follow real time: A1, B1, A2. Each grant is released a task after it landed, so
 * grants that would overlap (two reads) show up as such.
 *
 * Real-time order is promised only for requests further apart than the follower's clock error
 * bound. On a loaded machine its clock samples can take long enough round trips for that bound to
 * pass 50 ms, so each gap is the larger of 50 ms and the bound the follower reports right then.
 */
export async function runOrderScenario(
  sessions: { leader: Session; follower: Session },
  clock: SkipClock,
  s: (typeof SCENARIOS)[number],
  key: string,
): Promise<void> {
  const [sa, sb] = s.a === 'leader' ? [sessions.leader, sessions.follower] : [sessions.follower, sessions.leader]
  const a = openLock(sa, s.kind, key)
  const b = openLock(sb, s.kind, key)
  const holder = s.holder === 'A' ? a : b
  // A few hand-offs first, so that neither side's clock starts from scratch.
  for (const side of [b, a, b]) await (await side.acquire('write')).release()
  const held = await holder.acquire('write')
  const order: string[] = []
  const take = async (label: string, lock: ScenarioLock, mode: NetLockMode): Promise<void> => {
    const guard = await lock.acquire(mode)
    order.push(label)
    await nextMacrotask()
    await guard.release()
  }
  const [m1, m2, m3] = s.modes
  const gap = (): number => Math.max(50, Math.ceil(sessions.follower.clock.errorBoundMs) + 1)
  const turns = [take('A1', a, m1)]
  clock.skip(gap())
  turns.push(take('B1', b, m2))
  clock.skip(gap())
  turns.push(take('A2', a, m3))
  // The holder decides once it knows of all three: the peer's requests have reached it.
  const peerRequests = s.holder === 'B' ? 2 : 1
  await until(() => holder.query().peerWaiting === peerRequests, 'the holder knows of every request')
  expect(order).toEqual([])
  await held.release()
  await Promise.all(turns)
  expect(order, 'grants follow real time').toEqual(['A1', 'B1', 'A2'])
}
