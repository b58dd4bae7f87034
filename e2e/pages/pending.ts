// Operations left pending on purpose (the peer never answers them, or holds the lock they need),
// for the tests that take the peer away mid-operation: each must reject with NetError.
import type { NetMutex, NetRwLock, Session } from '../../src/index.js'
import { describe, wallNow, type Counter, type ErrorReport } from '../ops.js'

export interface PendingReport {
  op: string
  /** The promise resolved: a pending operation must never do that once the peer is gone. */
  resolved: boolean
  error?: ErrorReport
  settledAt: number
}

const HOUR_MS = 3_600_000

/** A function that runs until its signal aborts. */
const endless = (signal: AbortSignal): Promise<never> =>
  new Promise((_resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('still running after an hour')), HOUR_MS)
    signal.addEventListener('abort', () => {
      clearTimeout(timer)
      reject(signal.reason)
    })
  })

/** Starts one pending call of every primitive; resolves once all of them settled. */
export function startPending(session: Session, counter: NetMutex<Counter>, config: NetRwLock<number>): Promise<PendingReport[]> {
  const ops: [string, () => Promise<unknown>][] = [
    ['join', () => session.join(endless, { key: 'pending/join' })],
    ['tryJoin', () => session.tryJoin(endless, { key: 'pending/tryJoin' })],
    ['select', () => session.select(endless, { key: 'pending/select' })],
    ['trySelect', () => session.trySelect(endless, { key: 'pending/trySelect' })],
    ['exchange', () => session.exchange('hello?', { key: 'pending/exchange' })],
    ['channel read', () => session.channel('pending/channel')[Symbol.asyncIterator]().next()],
    ['mutex lock', () => counter.lock()],
    ['rwlock read', () => config.read()],
    ['syncStart', () => session.syncStart(() => 'started', { key: 'pending/syncStart' })],
  ]
  return Promise.all(
    ops.map(async ([op, run]): Promise<PendingReport> => {
      try {
        await run()
        return { op, resolved: true, settledAt: wallNow() }
      } catch (err) {
        return { op, resolved: false, error: describe(err), settledAt: wallNow() }
      }
    }),
  )
}
