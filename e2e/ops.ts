// Operations the cross-context tests run on each side of a session, and their serializable
// reports. Plain TypeScript over a Session: the browser test page and the Node peer share it.
import { isNetError, type NetMutex, type Session } from '../src/index.js'

/** Wall-clock milliseconds comparable across contexts and processes on one machine. */
export const wallNow = (): number => performance.timeOrigin + performance.now()

/** What one side's function does: finish after `delayMs`, with `value` or by throwing. */
export interface TaskPlan {
  delayMs: number
  fail?: boolean
  value?: unknown
}

export interface ErrorReport {
  name: string
  message: string
  code?: string
  remoteName?: string
  remoteMessage?: string
}

export interface OpReport {
  ok: boolean
  value?: unknown
  error?: ErrorReport
  /** When the local function settled by itself (it may have been aborted first). */
  fnSettledAt?: number
  /** When the local function's signal aborted, if it did. */
  abortedAt?: number
  /** When the operation's promise settled. */
  settledAt: number
}

export function describe(err: unknown): ErrorReport {
  if (isNetError(err)) {
    return {
      name: err.name,
      message: err.message,
      code: err.code,
      ...(err.remoteName === undefined ? {} : { remoteName: err.remoteName }),
      ...(err.remoteMessage === undefined ? {} : { remoteMessage: err.remoteMessage }),
    }
  }
  return err instanceof Error ? { name: err.name, message: err.message } : { name: 'Error', message: String(err) }
}

/** A task that follows `plan` and records when it settled or was aborted. */
function plannedTask(plan: TaskPlan, record: Partial<OpReport>): (signal: AbortSignal) => Promise<unknown> {
  return (signal) =>
    new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        signal.removeEventListener('abort', onAbort)
        record.fnSettledAt = wallNow()
        if (plan.fail) reject(new Error(`planned failure (${String(plan.value)})`))
        else resolve(plan.value)
      }, plan.delayMs)
      const onAbort = (): void => {
        clearTimeout(timer)
        record.abortedAt = wallNow()
        reject(signal.reason)
      }
      signal.addEventListener('abort', onAbort, { once: true })
    })
}

async function report(op: () => Promise<unknown>, record: Partial<OpReport>): Promise<OpReport> {
  try {
    const value = await op()
    return { ...record, ok: true, value, settledAt: wallNow() }
  } catch (err) {
    return { ...record, ok: false, error: describe(err), settledAt: wallNow() }
  }
}

export function join(session: Session, kind: 'join' | 'tryJoin', plan: TaskPlan, key?: string): Promise<OpReport> {
  const record: Partial<OpReport> = {}
  const fn = plannedTask(plan, record)
  return report(() => (kind === 'join' ? session.join(fn, { key }) : session.tryJoin(fn, { key })), record)
}

export function select(session: Session, kind: 'select' | 'trySelect', plan: TaskPlan, key?: string): Promise<OpReport> {
  const record: Partial<OpReport> = {}
  const fn = plannedTask(plan, record)
  return report(() => (kind === 'select' ? session.select(fn, { key }) : session.trySelect(fn, { key })), record)
}

/** join / tryJoin whose caller aborts `abortAfterMs` after the call, finished or not. */
export function joinAborting(session: Session, kind: 'join' | 'tryJoin', plan: TaskPlan, abortAfterMs: number, key?: string): Promise<OpReport> {
  const record: Partial<OpReport> = {}
  const fn = plannedTask(plan, record)
  return report(() => session[kind](fn, { key, signal: AbortSignal.timeout(abortAfterMs) }), record)
}

/** The shared counter of the mutex tests. */
export interface Counter {
  count: number
  bySide: Record<string, number>
  /** How often the lock changed hands between sides (consecutive increments by different sides). */
  handoffs: number
  last: string
}

export const EMPTY_COUNTER: Counter = { count: 0, bySide: {}, handoffs: 0, last: '' }

export function counterMutex(session: Session): NetMutex<Counter> {
  return session.mutex<Counter>('counter', { initial: EMPTY_COUNTER })
}

/**
 * `n` increments under the lock, each re-reading the value the other side may have changed. The
 * lock is held across one task, as real work would hold it, so the peer's request can queue
 * meanwhile and FIFO order makes the two sides take turns instead of one finishing first.
 */
export async function increment(mutex: NetMutex<Counter>, side: string, n: number): Promise<void> {
  for (let i = 0; i < n; i++) {
    await mutex.withLock(async (g) => {
      await new Promise((resolve) => setTimeout(resolve, 0))
      const v = g.value
      g.value = {
        count: v.count + 1,
        bySide: { ...v.bySide, [side]: (v.bySide[side] ?? 0) + 1 },
        handoffs: v.handoffs + (v.last !== '' && v.last !== side ? 1 : 0),
        last: side,
      }
    })
  }
}

export function readCounter(mutex: NetMutex<Counter>): Promise<Counter> {
  return mutex.withLock((g) => g.value)
}

/** Deterministic test bytes: the same `length` and `seed` give the same bytes everywhere. */
export function patterned(length: number, seed: number): Uint8Array {
  const bytes = new Uint8Array(length)
  for (let i = 0; i < length; i++) bytes[i] = (i * 31 + seed + (i >>> 8)) & 0xff
  return bytes
}
