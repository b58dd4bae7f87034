/**
 * Probes on a pair of open sessions: a barrier that proves earlier messages were delivered, the
 * port messages sent under one key, a check that a key was released on both sides, and a raw port
 * through which a test plays the peer's side of an operation by hand.
 */
import { expect } from 'vitest'
import { sessionCore, type Session } from '../../src/session.js'
import type { SessionPair } from './session-pair.js'

/** The two sessions of a pair (any pair helper's result has them). */
export interface Sides {
  readonly leader: Session
  readonly follower: Session
}

let barriers = 0

/**
 * Resolves once everything either side posted before the call, and the immediate answers to it,
 * has arrived: two rounds of one message each way on fresh raw ports of the ordered channel (the
 * first round carries the earlier messages, the second the answers they triggered). Raw ports,
 * not an operation, so the barrier never depends on the primitive under test.
 */
export async function delivered(pair: Sides): Promise<void> {
  for (let round = 0; round < 2; round++) {
    const key = `barrier:${++barriers}`
    await Promise.all([pair.leader, pair.follower].map((session) => barrierMessage(session, key)))
  }
}

function barrierMessage(session: Session, key: string): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const port = sessionCore(session).openPort<number, unknown>('test-barrier', key, {
      parse: (m) => m,
      onMessage: () => {
        port.release()
        resolve()
      },
      onClose: reject,
    })
    port.post(0)
  })
}

/** Port messages both sides sent under `key`. */
export function messagesFor(pair: Pick<SessionPair, 'leaderCounts' | 'followerCounts'>, key: string): number {
  return (pair.leaderCounts.byKey.get(key) ?? 0) + (pair.followerCounts.byKey.get(key) ?? 0)
}

/** Uses `key` once more on `session`; both sides' results must equal `'again'`. */
export type ReuseKey = (session: Session, key: string, side: 'leader' | 'follower') => Promise<unknown>

/** A hang guard, not a speed check: a key left taken can leave its reuse waiting forever. */
const HANG_MS = 10_000

function settlesWithin<T>(promise: Promise<T>, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined
  const hang = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not settle within ${HANG_MS} ms: the key is still taken`)), HANG_MS)
  })
  return Promise.race([promise, hang]).finally(() => clearTimeout(timer))
}

const exchangeAgain: ReuseKey = (session, key) => session.exchange('again', { key })

/**
 * Proves `key` was released on both sides and nothing for it is left over: both use it again
 * (a port still open refuses the key with 'usage'; a stray old message for it is a protocol error
 * that closes the session), and both sessions are still open afterwards.
 */
export async function expectKeyFree(pair: Sides, key: string, reuse: ReuseKey = exchangeAgain): Promise<void> {
  await delivered(pair)
  const again = Promise.all([reuse(pair.leader, key, 'leader'), reuse(pair.follower, key, 'follower')])
  await expect(settlesWithin(again, `reusing key "${key}" on both sides`)).resolves.toEqual(['again', 'again'])
  await delivered(pair)
  expect([sessionCore(pair.leader).isClosed, sessionCore(pair.follower).isClosed]).toEqual([false, false])
}

/**
 * A hand-written peer: a raw port of `kind` under `key` on `session`, posing as the peer's
 * operation. Returns its send; whatever arrives on the port is ignored.
 */
export function rawPeer(session: Session, kind: string, key: string): (message: unknown) => void {
  const port = sessionCore(session).openPort<unknown, unknown>(kind, key, { parse: (m) => m, onMessage: () => {}, onClose: () => {} })
  return (message) => port.post(message)
}
