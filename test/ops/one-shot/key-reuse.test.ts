/**
 * A key is reusable as soon as this side's call has settled, even when the peer has not called
 * yet: a call settled before the peer's answer arrived (aborted before its result went out, or a
 * tryJoin whose own function failed) leaves the peer's answer to a retired port, so a retry under
 * the same key does not fail with NetError `usage` for as long as the peer takes to call (forever
 * if it never does). Every retry pairs with the peer's matching call, in order.
 */
import { describe, expect, it } from 'vitest'
import { isNetError } from '../../../src/base/errors.js'
import type { Session } from '../../../src/session.js'
import { prng } from '../../helpers/prng.js'
import { sessionPairs } from './op-helpers.js'
import { rejectionOf } from '../../helpers/promises.js'
import { delivered } from '../../helpers/session-probes.js'

const pairs = sessionPairs(prng(11))

type Call = (session: Session, key: string, signal?: AbortSignal) => Promise<unknown>

/** A function that runs until its signal aborts. */
const untilAborted = (signal: AbortSignal): Promise<never> =>
  new Promise((_, reject) => signal.addEventListener('abort', () => reject(signal.reason), { once: true }))

const calls: [string, Call, Call][] = [
  // [name, a call that settles early here (its second argument aborts it), the same call run normally]
  ['join', (s, key, signal) => s.join(untilAborted, { key, signal }), (s, key) => s.join(() => 'ok', { key })],
  ['select', (s, key, signal) => s.select(untilAborted, { key, signal }), (s, key) => s.select(() => 'ok', { key })],
  ['trySelect', (s, key, signal) => s.trySelect(untilAborted, { key, signal }), (s, key) => s.trySelect(() => 'ok', { key })],
  ['exchange', (s, key) => s.exchange('early', { key, signal: AbortSignal.abort() }), (s, key) => s.exchange('ok', { key })],
  ['syncStart', (s, key, signal) => s.syncStart(() => 'ok', { key, signal, delayMs: 10_000 }), (s, key) => s.syncStart(() => 'ok', { key })],
  [
    'tryJoin (own function failed)',
    (s, key) =>
      s.tryJoin(
        () => {
          throw new Error('failed here')
        },
        { key },
      ),
    (s, key) => s.tryJoin(() => 'ok', { key }),
  ],
]

describe.each(['leader', 'follower'] as const)('a key reused right after the call settled, on the %s', (who) => {
  it.each(calls)('%s: the retry opens at once and pairs with the peer’s second call', async (_name, early, normal) => {
    const pair = await pairs()
    const [me, peer] = who === 'leader' ? [pair.leader, pair.follower] : [pair.follower, pair.leader]
    const key = `reuse:${who}:${_name}`
    const ac = new AbortController()
    const first = early(me, key, ac.signal)
    ac.abort()
    await rejectionOf(first)
    // The peer has not called yet: the retry must not find the key in use.
    const retry = normal(me, key)
    retry.catch(() => {}) // awaited below, once the peer made its second call
    const peerFirstError = await rejectionOf(normal(peer, key))
    expect(isNetError(peerFirstError, 'aborted') || isNetError(peerFirstError, 'remote'), String(peerFirstError)).toBe(true)
    const [mine, theirs] = await Promise.all([retry, normal(peer, key)])
    expect(mine).toBeDefined()
    expect(theirs).toBeDefined()
    await delivered(pair)
    for (const session of [pair.leader, pair.follower]) expect(session.stats).toMatchObject({ openOperations: 0, heldMessages: 0 })
  })
})
