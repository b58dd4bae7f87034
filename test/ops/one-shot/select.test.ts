import { describe, expect, it } from 'vitest'
import { NetError } from '../../../src/base/errors.js'
import type { SelectResult } from '../../../src/ops/one-shot/select.js'
import { localWins } from '../../../src/ops/one-shot/select.js'
import { encodeSelectMessage, parseSelectMessage, type SelectMessage } from '../../../src/ops/one-shot/select-wire.js'
import { prng, seedFromEnv } from '../../helpers/prng.js'
import { FAST_TIMEOUT, manualTask, RacerError, timedTask, sessionPairs } from './op-helpers.js'
import { rejectionOf, stateOf } from '../../helpers/promises.js'
import { delivered, expectKeyFree, messagesFor } from '../../helpers/session-probes.js'

const seed = seedFromEnv()
console.log(`select tests: SEED=${seed}`)
const random = prng(seed)

const pair = sessionPairs(random)

describe('select', () => {
  it('the side that finishes first wins; the other resolves { won: false } and its signal aborts (2 messages)', async () => {
    const p = await pair()
    const slow = manualTask<string>()
    const [leaderSide, followerSide] = await Promise.all([
      p.leader.select(slow.fn, { key: 's' }),
      p.follower.select(() => 'F', { key: 's' }),
    ])
    expect(leaderSide).toEqual({ won: false })
    expect(followerSide).toEqual({ won: true, value: 'F' })
    expect(slow.signal?.aborted).toBe(true)
    expect(messagesFor(p, 's')).toBe(2)
    await expectKeyFree(p, 's')
  })

  it('1,000 seeded races: both sides agree, the earlier finisher on the shared clock wins, the loser is aborted', async () => {
    const p = await pair()
    let checkedOrder = 0
    let crossed = 0
    // The widest error bound the follower's clock had during the test.
    let bound = p.follower.clock.errorBoundMs
    p.follower.on('clock', (estimate) => (bound = Math.max(bound, estimate.errorBoundMs)))
    for (let batch = 0; batch < 20; batch++) {
      const races = Array.from({ length: 50 }, async (_, i) => {
        const key = `race:${batch}:${i}`
        // Finish instants recorded on the leader's clock, which is the shared timeline.
        const clock = () => p.leader.now()
        const l = timedTask(random() * 40, { value: `L${i}` }, clock)
        const f = timedTask(random() * 40, { value: `F${i}` }, clock)
        const [lr, fr] = await Promise.all([p.leader.select(l.fn, { key }), p.follower.select(f.fn, { key })])
        expect(lr.won).not.toBe(fr.won)
        const [winner, loser, result] = lr.won ? [l, f, lr] : [f, l, fr]
        expect(result).toEqual({ won: true, value: winner === l ? `L${i}` : `F${i}` })
        expect(winner.finishedAt).toBeDefined()
        expect(loser.signal?.aborted).toBe(true)
        expect(winner.signal?.aborted).toBe(false)
        expect(messagesFor(p, key)).toBeLessThanOrEqual(3)
        if (messagesFor(p, key) === 2 && loser.finishedAt !== undefined) crossed++
        if (loser.finishedAt !== undefined) {
          // Each side completed somewhere in [finishedAt, reportedAt], and the follower's view of
          // the shared clock is only known within its error bound: judge only clear orders.
          expect(winner.finishedAt! - loser.reportedAt!).toBeLessThanOrEqual(bound)
          if (loser.finishedAt - winner.reportedAt! > bound) checkedOrder++
        } else {
          checkedOrder++
        }
      })
      await Promise.all(races)
    }
    console.log(`select races: ${checkedOrder} of 1000 decided by finish order beyond the bound (${bound.toFixed(3)} ms), ${crossed} crossed`)
    // Many races must be decided by finish order, or this test would prove little (a loaded
    // machine fires timers in clumps, which makes more finishes fall within the bound).
    expect(checkedOrder).toBeGreaterThan(300)
    expect(crossed).toBeGreaterThan(10)
  })

  it('an exact tie on the shared clock goes to the leader on both sides', async () => {
    // A frozen clock makes both `done` carry the same instant; immediate functions make them cross.
    const frozen = { now: () => 1_000_000 }
    const p = await pair({ leader: frozen, follower: frozen })
    for (let i = 0; i < 20; i++) {
      const [lr, fr] = await Promise.all([p.leader.select(() => 'L', { key: `t${i}` }), p.follower.select(() => 'F', { key: `t${i}` })])
      expect(lr).toEqual({ won: true, value: 'L' })
      expect(fr).toEqual({ won: false })
    }
    expect(localWins(5, 5, true)).toBe(true)
    expect(localWins(5, 5, false)).toBe(false)
    expect(localWins(4, 5, false)).toBe(true)
  })

  it('a winner that threw rejects with its own error, the loser with NetError remote', async () => {
    const p = await pair()
    const slow = manualTask<string>()
    const boom = new RacerError('boom')
    const [lr, fr] = await Promise.allSettled([
      p.leader.select(() => {
        throw boom
      }, { key: 's' }),
      p.follower.select(slow.fn, { key: 's' }),
    ])
    expect(lr).toEqual({ status: 'rejected', reason: boom })
    expect(fr).toMatchObject({ status: 'rejected', reason: { code: 'remote', remoteName: 'RacerError', remoteMessage: 'boom' } })
    expect(slow.signal?.aborted).toBe(true)
    expect(messagesFor(p, 's')).toBe(2)
  })

})

// The lifecycle both share with the other one-shot kinds (pairing, aborts, close, timeout, key
// reuse) is the contract in test/contract/one-shot-lifecycle.ts.
describe.each(['select', 'trySelect'] as const)('%s abort', (kind) => {

  it('abort after the peer finished, before its done arrived: both sides settle with NetError aborted', async () => {
    const p = await pair()
    const mine = manualTask<number>()
    const controller = new AbortController()
    p.leaderEnd.pause() // the follower's done stays in flight
    const leaderSide = rejectionOf(p.leader[kind](mine.fn, { key: 'a', signal: controller.signal }))
    const followerSide = rejectionOf(p.follower[kind](() => 7, { key: 'a' }))
    controller.abort()
    expect(await leaderSide).toMatchObject({ code: 'aborted' })
    p.leaderEnd.resume()
    expect(await followerSide).toMatchObject({ code: 'aborted', message: /aborted by the peer/ })
    expect(messagesFor(p, 'a')).toBe(2)
    await expectKeyFree(p, 'a')
  })



})

describe('trySelect', () => {
  it('abort after the peer failed: the failed peer, still waiting, settles with NetError aborted', async () => {
    const p = await pair()
    const mine = manualTask<number>()
    const controller = new AbortController()
    const leaderSide = p.leader.trySelect(mine.fn, { key: 'a', signal: controller.signal })
    const followerSide = rejectionOf(p.follower.trySelect(() => Promise.reject(new RacerError('no')), { key: 'a' }))
    await delivered(p) // the follower's failure has arrived; a failure does not win, so the leader runs on
    expect(await stateOf(leaderSide)).toBe('pending')
    expect(mine.signal?.aborted).toBe(false)
    controller.abort()
    await expect(leaderSide).rejects.toMatchObject({ code: 'aborted' })
    expect(await followerSide).toMatchObject({ code: 'aborted' })
    expect(messagesFor(p, 'a')).toBe(2)
  })

  it.each([
    ['OK', 'OK'],
    ['OK', 'ERR'],
    ['ERR', 'OK'],
    ['ERR', 'ERR'],
  ] as const)('racer (the original scenario), 100 rounds of leader %s : follower %s', async (leaderKind, followerKind) => {
    const p = await pair()
    const rounds = Array.from({ length: 100 }, async (_, i) => {
      const key = `race:${i}`
      const side = (kind: 'OK' | 'ERR', name: string) => {
        const error = new RacerError(`${name} ${i} failed`)
        // ERR fails at once (synchronously in odd rounds); OK finishes after 0–20 ms.
        const task = timedTask(random() * 20, { value: `${name} ${i}` }, () => p.leader.now())
        const fn = kind === 'OK' ? task.fn : i % 2 ? () => { throw error } : () => Promise.reject(error)
        return { task, error, fn, kind, name }
      }
      const l = side(leaderKind, 'leader')
      const f = side(followerKind, 'follower')
      const results = await Promise.allSettled([p.leader.trySelect(l.fn, { key }), p.follower.trySelect(f.fn, { key })])
      expect(messagesFor(p, key)).toBe(2)
      if (leaderKind === 'ERR' && followerKind === 'ERR') {
        for (const [mine, peer, result] of [[l, f, results[0]], [f, l, results[1]]] as const) {
          expect(result.status).toBe('rejected')
          const err = (result as PromiseRejectedResult).reason as NetError
          expect(err).toBeInstanceOf(NetError)
          expect(err).toMatchObject({ code: 'remote', remoteName: 'RacerError', remoteMessage: peer.error.message, cause: mine.error })
          expect(err.message).toContain(mine.error.message)
          expect(err.message).toContain(peer.error.message)
        }
        return
      }
      const values = results.map((r) => (r.status === 'fulfilled' ? (r.value as SelectResult<string>) : r.reason))
      const leaderWon = (values[0] as SelectResult<string>).won
      expect((values[1] as SelectResult<string>).won).toBe(!leaderWon)
      const [winner, loser] = leaderWon ? [l, f] : [f, l]
      expect(values[leaderWon ? 0 : 1]).toEqual({ won: true, value: `${winner.name} ${i}` })
      expect(values[leaderWon ? 1 : 0]).toEqual({ won: false })
      expect(winner.kind).toBe('OK') // a failure never wins
      expect(winner.task.signal?.aborted).toBe(false)
      if (loser.kind === 'OK') expect(loser.task.signal?.aborted).toBe(true)
    })
    await Promise.all(rounds)
  })
})

describe('select wire messages', () => {
  const valid: SelectMessage[] = [
    { type: 'done', ok: true, at: 1.5 },
    { type: 'done', ok: false, at: 2, name: 'E', message: 'm' },
    { type: 'yield' },
    { type: 'abort' },
  ]

  it('round-trips exactly the four message shapes as tagged arrays', () => {
    for (const message of valid) {
      expect(Array.isArray(encodeSelectMessage(message))).toBe(true)
      expect(parseSelectMessage(encodeSelectMessage(message))).toEqual(message)
    }
  })

  it.each([
    null,
    42,
    [],
    [0, 1],
    [0, '1', true],
    [0, Infinity, true],
    [0, NaN, true],
    [0, 1, 'yes'],
    [0, 1, true, 0],
    [0, 1, false, 'E'],
    [0, 1, false, 'E', 'x'.repeat(2001)],
    [1, 1],
    [2, 'why'],
    [3],
    { type: 'done', ok: true, at: 1 }, // the map form of protocol version 2
    { type: 'yield' },
  ])('refuses %o with NetError protocol', (raw) => {
    expect(() => parseSelectMessage(raw)).toThrow(expect.objectContaining({ code: 'protocol' }))
  })
})
