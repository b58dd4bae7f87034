import type { Session } from '../../../src/session.js'
import type { LockCore } from '../../../src/ops/lock/lock-core.js'
import type { LockTracer, TracedRequest } from '../../../src/ops/lock/lock-queue.js'

/** What the tracers of one checker run saw of the request order. */
export interface OrderModel {
  /**
   * Every queued request: when it was made, on the leader's clock (the true shared time), as the
   * interval around the call (a pause inside the call must not look like a late request), and
   * its stamp.
   */
  readonly requests: Map<string, { early: number; late: number; ts: number }>
  /** The largest clock error bound (the follower's) seen while requests were made, in ms. */
  errorBound: number
  /** Pairs (granted, still waiting) checked, and those made further apart than the error bound. */
  pairs: number
  separated: number
  readonly violations: string[]
}

/** One side of a checker run, as its tracer sees it. */
export interface TracedSide {
  readonly name: 'L' | 'F'
  /** The true shared time: the leader's clock. */
  readonly trueNow: () => number
  /** The leader's clock just before the current acquire call. */
  callStart: number
  /** The request the current acquire call queued, if it queued one. */
  queued: { late: number } | undefined
}

/** Slack on the error bound: stamps are whole µs, and a request may be stamped a few µs late. */
const STAMP_SLACK_MS = 0.05

export function newOrderModel(): OrderModel {
  return { requests: new Map(), errorBound: 0, pairs: 0, separated: 0, violations: [] }
}

/** The engine behind a lock handle (a protected field), to attach a tracer. */
export function coreOf(handle: object): LockCore<unknown> {
  return (handle as { core: LockCore<unknown> }).core
}

/** Runs one acquire call of `side`, noting when it started and returned for the tracer. */
export function tracedCall<R>(side: TracedSide, call: () => R): R {
  side.callStart = side.trueNow()
  const result = call()
  if (side.queued !== undefined) side.queued.late = side.trueNow()
  side.queued = undefined
  return result
}

/**
 * Checks each ordering decision of `side` against real time and against the stamps: among the
 * requests the deciding side knew of, none made earlier than the granted one by more than the
 * error bound may still wait, and none stamped earlier (or equal, and the leader's). A tracer must
 * not throw into the lock, so violations are collected and asserted after the run.
 */
export function orderTracer(side: TracedSide, follower: Session, order: OrderModel): LockTracer {
  const { name } = side
  const other = name === 'L' ? 'F' : 'L'
  const idOf = (r: TracedRequest): string => `${r.mine ? name : other}:${r.id}`
  return {
    queued(id, ts) {
      order.errorBound = Math.max(order.errorBound, follower.clock.errorBoundMs)
      // Until the call returns, the request counts as made at any time from its start on.
      const record = { early: side.callStart, late: Infinity, ts }
      order.requests.set(`${name}:${id}`, record)
      side.queued = record
    },
    granted(request, waiting) {
      const granted = order.requests.get(idOf(request))
      for (const w of waiting) {
        const known = order.requests.get(idOf(w))
        if (granted === undefined || known === undefined) {
          order.violations.push(`${name} decided on a request it never queued: ${idOf(request)} / ${idOf(w)}`)
          continue
        }
        order.pairs++
        const bound = order.errorBound + STAMP_SLACK_MS
        // How much earlier the waiting request was made, at least; negative: later.
        const earlier = granted.early - known.late
        if (earlier > bound || known.early - granted.late > bound) order.separated++
        if (earlier > bound) {
          order.violations.push(
            `${name} granted ${idOf(request)} ahead of ${idOf(w)}, made ${earlier.toFixed(3)} ms earlier ` +
              `(bound ${bound.toFixed(3)} ms; stamps ${granted.ts} and ${known.ts})`,
          )
        }
        const waitingLeads = known.ts < granted.ts || (known.ts === granted.ts && idOf(w).startsWith('L'))
        if (waitingLeads) order.violations.push(`${name} granted ${idOf(request)} (stamp ${granted.ts}) ahead of ${idOf(w)} (stamp ${known.ts})`)
      }
    },
  }
}
