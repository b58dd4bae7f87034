/**
 * One outage on the same connection, during a channel stream: the leader sends a value every
 * `paceMs` over a typed channel, the path goes down for `outageMs`, and the trial reports what
 * the follower saw: whether the session survived (and how long after the path came back the
 * first value arrived) or how it closed. Used by the outage tests and `test/bench/outage.ts`.
 */
import type { NetError } from '../../src/base/errors.js'
import type { Session } from '../../src/session.js'
import type { LossyPath } from './lossy-path.js'

export interface OutageOutcome {
  readonly outageMs: number
  /** How the session closed, and when, counted from the start of the outage. */
  readonly closed?: { code: NetError['code']; atMs: number; message: string }
  /** From the path coming back to the first value that crossed after it. */
  readonly recoveryMs?: number
  /** Values the follower received, and whether they came in order without gaps or repeats. */
  readonly delivered: number
  readonly inOrder: boolean
}

export interface StreamTrialOptions {
  /** Stream before the outage, ms. */
  settleMs?: number
  /** Interval between sends, ms. */
  paceMs?: number
  /** After the path is back: how long to wait for a value (or the close) at most, ms. */
  waitMs?: number
}

interface Pair {
  readonly leader: Session
  readonly follower: Session
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms))

/** Runs the trial; both sessions stay as they are (open, or closed by the outage). */
export async function streamThroughOutage(pair: Pair, path: LossyPath, outageMs: number, options: StreamTrialOptions = {}): Promise<OutageOutcome> {
  const { settleMs = 1000, paceMs = 20, waitMs = 15_000 } = options
  const key = `stream:${outageMs}:${Math.random()}`
  const sending = pair.leader.channel<number>(key)
  const receiving = pair.follower.channel<number>(key)
  const arrivals: number[] = []
  let inOrder = true
  let gotOne: (() => void) | undefined
  const reading = (async () => {
    for await (const value of receiving) {
      if (value !== arrivals.length) inOrder = false
      arrivals.push(performance.now())
      gotOne?.()
    }
  })().catch(() => undefined)
  let stop = false
  const maxSends = Math.ceil((settleMs + outageMs + waitMs) / paceMs) + 1
  const sender = (async () => {
    for (let i = 0; i < maxSends && !stop; i++) {
      await sending.send(i)
      await sleep(paceMs)
    }
  })().catch(() => undefined)
  await sleep(settleMs)
  const downAt = performance.now()
  let closed: OutageOutcome['closed']
  const watchClose = (session: Session): void => {
    void session.closed.then((reason) => {
      closed ??= { code: reason.code, atMs: performance.now() - downAt, message: reason.message }
      gotOne?.()
    })
  }
  watchClose(pair.leader)
  watchClose(pair.follower)
  await path.outage(outageMs)
  const upAt = performance.now()
  const before = arrivals.length
  await new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, waitMs)
    gotOne = () => {
      if (arrivals.length > before || closed !== undefined) {
        clearTimeout(timer)
        resolve()
      }
    }
    gotOne()
  })
  gotOne = undefined
  stop = true
  const firstAfter = arrivals.slice(before).find((at) => at >= upAt)
  await sender
  if (closed === undefined) await sending.close().catch(() => undefined)
  await reading
  return {
    outageMs,
    ...(closed === undefined ? {} : { closed }),
    ...(firstAfter === undefined ? {} : { recoveryMs: firstAfter - upAt }),
    delivered: arrivals.length,
    inOrder,
  }
}
