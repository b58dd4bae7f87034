/**
 * join, tryJoin, select, trySelect, exchange, the clock and syncStart with the default session
 * options over a real path: node-datachannel through a relay that delays every datagram by
 * 20 ms ± 5 ms one way (so datagrams reorder) and loses 2 % of them. Correctness only; the
 * latencies are printed (and benchmarked in `npm run bench`), never asserted.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { NetError } from '../../src/base/errors.js'
import { LOSSY_PATH } from '../helpers/lossy-pair.js'
import { seedFromEnv } from '../helpers/prng.js'
import { expectSameInstant, recorder } from '../ops/sync-start/sync-start-helpers.js'
import { lossySessions, type LossySessions } from './lossy-sessions.js'

const seed = seedFromEnv()
console.log(`one-shot ops over a lossy path: SEED=${seed}`)
const ROUNDS = 20

class TaskError extends Error {
  override name = 'TaskError'
}

describe('one-shot operations, clock and syncStart on 20 ms ± 5 ms, 2 % loss', () => {
  let s: LossySessions
  beforeAll(async () => {
    s = await lossySessions(LOSSY_PATH, seed)
  })
  afterAll(async () => {
    await s.close()
  })

  it('join and tryJoin: every round completes on both sides, a failure fails both', async () => {
    const took: number[] = []
    for (let i = 0; i < ROUNDS; i++) {
      const started = performance.now()
      const both = await Promise.all([s.leader.join(() => `L${i}`, { key: `j${i}` }), s.follower.join(async () => `F${i}`, { key: `j${i}` })])
      took.push(performance.now() - started)
      expect(both).toEqual([`L${i}`, `F${i}`])
      const failing = i % 2 === 0 ? 'leader' : 'follower'
      const tries = await Promise.allSettled([
        s.leader.tryJoin(() => (failing === 'leader' ? Promise.reject(new TaskError('no')) : 'L'), { key: `t${i}` }),
        s.follower.tryJoin(() => (failing === 'follower' ? Promise.reject(new TaskError('no')) : 'F'), { key: `t${i}` }),
      ])
      const codes = tries.map((t) => (t.status === 'fulfilled' ? 'ok' : t.reason instanceof NetError ? t.reason.code : (t.reason as Error).name))
      expect(codes).toEqual(failing === 'leader' ? ['TaskError', 'remote'] : ['remote', 'TaskError'])
    }
    const rtt = await s.measureRtt(20)
    took.sort((x, y) => x - y)
    console.log(`join median ${took[ROUNDS / 2]!.toFixed(1)} ms, raw RTT median ${rtt.median.toFixed(1)} ms on the same path`)
  })

  it('select and trySelect: exactly one side wins every round, and both agree which', async () => {
    let leaderWins = 0
    for (let i = 0; i < ROUNDS; i++) {
      const [l, f] = await Promise.all([s.leader.select(() => 'L', { key: `s${i}` }), s.follower.select(() => 'F', { key: `s${i}` })])
      expect(l.won).toBe(!f.won)
      expect(l.won ? l.value : f.won ? f.value : undefined).toBe(l.won ? 'L' : 'F')
      if (l.won) leaderWins++
      const failing = i % 2 === 0 ? 'leader' : 'follower'
      const [tl, tf] = await Promise.all([
        s.leader.trySelect(() => (failing === 'leader' ? Promise.reject(new TaskError('no')) : 'L'), { key: `y${i}` }),
        s.follower.trySelect(() => (failing === 'follower' ? Promise.reject(new TaskError('no')) : 'F'), { key: `y${i}` }),
      ])
      // Only a success wins: the side whose task failed loses.
      expect([tl.won, tf.won]).toEqual(failing === 'leader' ? [false, true] : [true, false])
    }
    console.log(`select: the leader won ${leaderWins} of ${ROUNDS}`)
  })

  it('exchange: each side gets the other value, 20 rounds', async () => {
    for (let i = 0; i < ROUNDS; i++) {
      const big = 'x'.repeat(i * 500)
      const [l, f] = await Promise.all([s.leader.exchange({ from: 'L', i, big }, { key: `x${i}` }), s.follower.exchange([i, 'F'], { key: `x${i}` })])
      expect([l, f]).toEqual([[i, 'F'], { from: 'L', i, big }])
    }
  })

  it('the clock: the measured offset is within the error bound of the true offset (0: one process, one clock)', () => {
    const clock = s.follower.clock
    console.log(`clock offset error ${Math.abs(clock.offsetMs).toFixed(3)} ms, error bound ${clock.errorBoundMs.toFixed(2)} ms, rtt ${clock.rttMs.toFixed(1)} ms`)
    expect(clock.samples).toBeGreaterThan(0)
    expect(Math.abs(clock.offsetMs)).toBeLessThanOrEqual(clock.errorBoundMs)
  })

  it('syncStart: both sides start at one instant of true time, within the clock error bound', async () => {
    const skews: number[] = []
    let late = 0
    for (let i = 0; i < 6; i++) {
      const [l, f] = [recorder<number>(s.leader), recorder<number>(s.follower)]
      // A lost datagram costs one SCTP retransmission (0.5–1 s here): a lead that covers it.
      const options = { key: `start${i}`, delayMs: 1200 }
      const outcomes = await Promise.allSettled([s.leader.syncStart(l.fn, { ...options, payload: i + 1 }), s.follower.syncStart(f.fn, { ...options, payload: -i - 1 })])
      if (outcomes.some((o) => o.status === 'rejected')) {
        expect(outcomes).toMatchObject([
          { status: 'rejected', reason: { code: 'late' } },
          { status: 'rejected', reason: { code: 'late' } },
        ])
        late++
        continue
      }
      expect([l.calls[0]!.info.peerPayload, f.calls[0]!.info.peerPayload]).toEqual([-i - 1, i + 1])
      skews.push(Math.abs(expectSameInstant(l.calls[0]!, f.calls[0]!)))
    }
    skews.sort((x, y) => x - y)
    console.log(`syncStart skew median ${skews[skews.length >> 1]?.toFixed(3)} ms, max ${skews.at(-1)?.toFixed(3)} ms; ${late} refused as late`)
    expect(late, 'starts refused as late').toBeLessThanOrEqual(1)
  })

  it('the path was lossy, and no session timed out', () => {
    s.expectLossyAndOpen()
  })
})
