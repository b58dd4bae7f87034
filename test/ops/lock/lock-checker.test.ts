import { describe, expect, it } from 'vitest'
import { NetError } from '../../../src/base/errors.js'
import type { LockCore } from '../../../src/ops/lock/lock-core.js'
import type { LockGuard } from '../../../src/ops/lock/lock-guard.js'
import type { NetLockMode } from '../../../src/ops/lock/lock-wire.js'
import type { Session } from '../../../src/session.js'
import { prng, randomInt, seedFromEnv, type Random } from '../../helpers/prng.js'
import { lockSessions, until } from './lock-harness.js'
import { coreOf, newOrderModel, orderTracer, tracedCall, type OrderModel, type TracedSide } from './lock-order-tracer.js'
import { sessionCore } from '../../../src/session.js'
import { nextMacrotask } from '../../helpers/promises.js'

/**
 * A seeded randomized checker: random latencies, random mixes of lock / read / write / abort /
 * ifAvailable from both sides, sometimes a session closed halfway. Every grant is checked against
 * a model shared by both sides (one process): never two writers, never a writer with a reader,
 * epochs only grow (strictly for writes), every grant sees the last committed value, and every
 * request settles. Every ordering decision is checked too (through the lock's tracer): among the
 * requests the deciding side knew of, none made earlier in real time (the leader's clock) by more
 * than the clock's error bound waits behind the one granted, and grants follow the stamps. Sides
 * may `watch` the value: each side's `change` events then only go forward, and a watching side's
 * `peek()` reaches the last committed value without locking. A
 * failure prints the run's seed; `SEED=<seed>` replays just that run.
 */
const RUNS = Number(process.env['LOCK_RUNS'] ?? 500)
const PARALLEL = 25
/** A run whose requests have not all settled by then has a request that never will. */
const SETTLE_MS = 10_000

interface Model {
  writers: number
  readers: number
  value: number | undefined
  /** Writes store `{ n }` objects (replaced or mutated in place) instead of numbers. */
  objects: boolean
  maxEpoch: number
  lastWriteEpoch: number
  counter: number
  grants: number
  /** Set when the run closes a session on purpose. */
  closing: boolean
  log: string[]
  order: OrderModel
}

type Op = 'read' | 'write' | 'abort' | 'ifAvailable'
type Value = number | { n: number; pad: string } | undefined

interface Side extends TracedSide {
  readonly session: Session
  readonly core: LockCore<unknown>
  acquire(mode: NetLockMode, options: { signal?: AbortSignal; ifAvailable?: boolean }): Promise<(LockGuard & { value: Value }) | null>
  query(): unknown
  readonly watch: boolean
  peek(): Value
}

async function checkRun(seed: number): Promise<{ grants: number; closed: boolean; pairs: number; separated: number }> {
  const random = prng(seed)
  const latencyMs = randomInt(random, 0, 2)
  const pair = await lockSessions({ latencyMs, jitterMs: random() * 2, random: prng(seed ^ 0x5bd1e995) })
  const exclusiveOnly = random() < 0.3
  const initial = random() < 0.5 ? 0 : undefined
  const followerInitial = random() < 0.5 ? -1 : undefined
  const order = newOrderModel()
  const model: Model = { writers: 0, readers: 0, value: initial ?? followerInitial, objects: random() < 0.3, maxEpoch: 0, lastWriteEpoch: 0, counter: 0, grants: 0, closing: false, log: [], order }
  const trueNow = (): number => pair.leader.now()
  const watch = [random() < 0.5, random() < 0.5]
  const sides = [makeSide('L', pair.leader, exclusiveOnly, initial, trueNow, watch[0]!), makeSide('F', pair.follower, exclusiveOnly, followerInitial, trueNow, watch[1]!)]
  for (const side of sides) {
    side.core.tracer = orderTracer(side, pair.follower, order)
    let last = -Infinity
    const emit = side.core.onChange
    side.core.onChange = (value, origin) => {
      const n = numberOf(value as Value) ?? -Infinity
      if (n <= last && !model.closing) order.violations.push(`${side.name} change (${origin}) went back: ${n} after ${last}`)
      last = n
      emit(value, origin)
    }
  }
  const closeAfter = random() < 0.1 ? randomInt(random, 0, 20) : Infinity
  const actors: Promise<void>[] = []
  for (const side of sides) {
    for (let a = randomInt(random, 1, 4); a > 0; a--) {
      const ops = Array.from({ length: randomInt(random, 1, 8) }, () => pickOp(random, exclusiveOnly))
      actors.push(runActor(side, ops, prng(randomInt(random, 0, 2 ** 31)), model, () => model.grants >= closeAfter && closeOne(pair.follower, model)))
    }
  }
  let timer: ReturnType<typeof setTimeout> | undefined
  const stuck = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`requests still pending after ${SETTLE_MS} ms: ${JSON.stringify(sides.map((s) => s.query()))}`)), SETTLE_MS)
  })
  try {
    await Promise.race([Promise.all(actors), stuck])
    expect(order.violations, 'grants out of real-time order, or a change that went back').toEqual([])
    if (!model.closing) {
      // Nothing closed; once the last cancels and returns have landed, nothing is held or waiting;
      // both sides read the last committed value.
      expect(sessionCore(pair.leader).closedReason ?? sessionCore(pair.follower).closedReason).toBeUndefined()
      const idle = { writing: false, readers: 0, waiting: 0, peerWaiting: 0 }
      await until(() => sides.every((side) => isMatch(side.query(), idle)), 'both sides are idle', 2000).catch(() => {
        for (const side of sides) expect(side.query()).toMatchObject(idle)
      })
      for (const side of sides.filter((s) => s.watch)) await until(() => numberOf(side.peek()) === model.value, `${side.name} peeks the last value`, 2000)
      for (const side of sides) {
        const g = (await side.acquire('read', {}))!
        expect(numberOf(g.value)).toBe(model.value)
        await g.release()
      }
    }
    return { grants: model.grants, closed: model.closing, pairs: order.pairs, separated: order.separated }
  } catch (err) {
    throw new Error(`lock checker run failed; replay with SEED=${seed}\n${model.log.slice(-30).join('\n')}`, { cause: err })
  } finally {
    clearTimeout(timer)
    await pair.close()
  }
}

function numberOf(value: Value): number | undefined {
  return typeof value === 'object' ? value.n : value
}

function isMatch(actual: unknown, expected: Record<string, unknown>): boolean {
  return Object.entries(expected).every(([key, value]) => (actual as Record<string, unknown>)[key] === value)
}

function closeOne(session: Session, model: Model): void {
  model.closing = true
  void session.close()
}

function makeSide(name: 'L' | 'F', session: Session, exclusiveOnly: boolean, initial: number | undefined, trueNow: () => number, watch: boolean): Side {
  if (exclusiveOnly) {
    const m = session.mutex<number | undefined>('lock', { initial, watch })
    const core = coreOf(m)
    return { name, session, core, trueNow, callStart: 0, queued: undefined, acquire: (_mode, options) => m.lock(options), query: () => m.query(), watch, peek: () => m.peek() }
  }
  const rw = session.rwlock<number | undefined>('lock', { initial, watch })
  return {
    watch,
    peek: () => rw.peek(),
    name,
    session,
    core: coreOf(rw),
    trueNow,
    callStart: 0,
    queued: undefined,
    acquire: (mode, options) => (mode === 'read' ? rw.read(options) : rw.write(options)),
    query: () => rw.query(),
  }
}

function pickOp(random: Random, exclusiveOnly: boolean): [Op, NetLockMode] {
  const ops: Op[] = ['read', 'write', 'write', 'abort', 'ifAvailable']
  const op = ops[randomInt(random, 0, ops.length - 1)]!
  const mode: NetLockMode = exclusiveOnly || op === 'write' || (op !== 'read' && random() < 0.5) ? 'write' : 'read'
  return [op, mode]
}

async function runActor(side: Side, ops: [Op, NetLockMode][], random: Random, model: Model, maybeClose: () => void): Promise<void> {
  for (let i = randomInt(random, 0, 3); i > 0; i--) await nextMacrotask()
  for (const [op, mode] of ops) {
    const controller = op === 'abort' ? new AbortController() : undefined
    const request = tracedCall(side, () => side.acquire(mode, { signal: controller?.signal, ifAvailable: op === 'ifAvailable' }))
    // Checked in a reaction attached now, so grants are checked in the order they happened even
    // when this actor looks at its result later (after the abort below).
    const checked = request.then((guard) => {
      if (guard !== null) granted(side, guard, model)
      return guard
    })
    checked.catch(() => {}) // handled below, after the abort
    if (controller !== undefined) {
      for (let i = randomInt(random, 0, 4); i > 0; i--) await nextMacrotask()
      controller.abort()
    }
    let guard: Awaited<typeof request>
    try {
      guard = await checked
    } catch (err) {
      // Aborted, or the session closed on purpose; anything else is a failure.
      const allowed = err instanceof NetError && (err.code === 'aborted' ? op === 'abort' : err.code === 'closed' && model.closing)
      if (!allowed) throw err
      model.log.push(`${side.name} ${op} ${mode} rejected: ${(err as Error).message}`)
      continue
    }
    if (guard === null) {
      expect(op).toBe('ifAvailable')
      continue
    }
    maybeClose()
    for (let i = randomInt(random, 0, 3); i > 0; i--) await nextMacrotask()
    if (guard.mode === 'write' && random() < 0.8 && !model.closing) {
      const n = (model.value = ++model.counter)
      const current = guard.value
      if (!model.objects) guard.value = n
      else if (typeof current === 'object' && random() < 0.5) current.n = n
      else guard.value = { n, pad: 'x'.repeat(randomInt(random, 0, 40)) }
    }
    if (guard.mode === 'write') model.writers--
    else model.readers--
    model.log.push(`${side.name} releases ${guard.mode} (value ${String(model.value)})`)
    await guard.release()
    for (let i = randomInt(random, 0, 2); i > 0; i--) await nextMacrotask()
  }
}

function granted(side: Side, guard: LockGuard & { value: Value }, model: Model): void {
  model.grants++
  model.log.push(`${side.name} got ${guard.mode} epoch ${guard.epoch} value ${String(numberOf(guard.value))}`)
  if (model.closing) return
  expect(model.writers, 'a grant while a writer holds the lock').toBe(0)
  expect(numberOf(guard.value), 'a grant that misses the last committed value').toBe(model.value)
  if (guard.mode === 'write') {
    expect(model.readers, 'a writer while readers hold the lock').toBe(0)
    expect(guard.epoch, 'a write epoch that does not grow').toBeGreaterThan(model.maxEpoch)
    model.lastWriteEpoch = guard.epoch
    model.writers++
  } else {
    expect(guard.epoch, 'a read epoch that went back').toBeGreaterThanOrEqual(model.maxEpoch)
    expect(guard.epoch, 'a read sharing the last write’s epoch').toBeGreaterThan(model.lastWriteEpoch)
    model.readers++
  }
  model.maxEpoch = guard.epoch
}

describe('NetMutex / NetRwLock randomized checker', () => {
  it(`${RUNS} seeded runs hold every invariant (SEED= replays one run)`, async () => {
    const replay = process.env['SEED']
    const base = seedFromEnv()
    const seeds = replay ? [base] : Array.from({ length: RUNS }, (_, i) => (base + Math.imul(i, 0x9e3779b1)) >>> 0)
    if (!replay) console.log(`lock checker: ${RUNS} runs from base seed ${base}`)
    const totals = { grants: 0, closed: 0, pairs: 0, separated: 0 }
    for (let i = 0; i < seeds.length; i += PARALLEL) {
      const stats = await Promise.all(seeds.slice(i, i + PARALLEL).map((seed) => checkRun(seed)))
      for (const s of stats) {
        totals.grants += s.grants
        totals.closed += s.closed ? 1 : 0
        totals.pairs += s.pairs
        totals.separated += s.separated
      }
    }
    console.log(
      `lock checker: ${totals.grants} grants checked, ${totals.closed} runs closed halfway; ` +
        `${totals.pairs} (granted, waiting) pairs ordered, ${totals.separated} of them further apart than the error bound`,
    )
    // The real-time check must have had something to check.
    expect(totals.separated).toBeGreaterThan(0)
  }, Math.max(60_000, RUNS * 20))
})
