/**
 * join, tryJoin, select, trySelect and exchange over real WebRTC DataChannels in one Node process
 * (node-datachannel and @roamhq/wrtc, loopback only): a representative subset of the memory-pair
 * tests, to show nothing in the protocols depends on the memory pair's timing.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { NetError } from '../../../src/base/errors.js'
import { prng, seedFromEnv } from '../../helpers/prng.js'
import { openSessions, type SessionPair } from '../../helpers/session-pair.js'
import { nodeDataChannelPair, wrtcDataChannelPair, type FrameChannelPair } from '../../helpers/webrtc-pair.js'
import { manualTask, RacerError, timedTask } from './op-helpers.js'
import { rejectionOf } from '../../helpers/promises.js'
import { delivered, expectKeyFree, messagesFor } from '../../helpers/session-probes.js'

const seed = seedFromEnv()
console.log(`ops over WebRTC: SEED=${seed}`)
const random = prng(seed)

const stacks = [
  ['node-datachannel', nodeDataChannelPair],
  ['@roamhq/wrtc', wrtcDataChannelPair],
] as const

describe.each(stacks)('over %s', (_name, connect) => {
  let frames: FrameChannelPair
  let p: SessionPair
  beforeAll(async () => {
    frames = await connect()
    p = await openSessions([frames.a, frames.b])
  })
  afterAll(async () => {
    await p.close()
    await frames.close()
  })

  it('all five primitives settle with the right values and 2 messages each', async () => {
    const slow = manualTask<string>()
    const [jl, jf, tl, tf, sl, sf, yl, yf, xl, xf] = await Promise.all([
      p.leader.join(() => 'L', { key: 'j' }),
      p.follower.join(async () => 'F', { key: 'j' }),
      p.leader.tryJoin(() => 1, { key: 't' }),
      p.follower.tryJoin(() => 2, { key: 't' }),
      p.leader.select(slow.fn, { key: 's' }),
      p.follower.select(() => 'fast', { key: 's' }),
      p.leader.trySelect(() => Promise.reject(new RacerError('no')), { key: 'y' }),
      p.follower.trySelect(() => 'yes', { key: 'y' }),
      p.leader.exchange({ from: 'leader' }, { key: 'x' }),
      p.follower.exchange([1, 2, 3], { key: 'x' }),
    ])
    expect([jl, jf, tl, tf]).toEqual(['L', 'F', 1, 2])
    expect([sl, sf]).toEqual([{ won: false }, { won: true, value: 'fast' }])
    expect(slow.signal?.aborted).toBe(true)
    expect([yl, yf]).toEqual([{ won: false }, { won: true, value: 'yes' }])
    expect([xl, xf]).toEqual([[1, 2, 3], { from: 'leader' }])
    for (const key of ['j', 't', 's', 'y', 'x']) expect(messagesFor(p, key)).toBe(2)
  })

  it.each([
    ['OK', 'OK'],
    ['OK', 'ERR'],
    ['ERR', 'OK'],
    ['ERR', 'ERR'],
  ] as const)('tryJoin and trySelect, 5 rounds of leader %s : follower %s', async (leaderKind, followerKind) => {
    for (let i = 0; i < 5; i++) {
      for (const kind of ['tryJoin', 'trySelect'] as const) {
        const key = `${kind}:${leaderKind}:${followerKind}:${i}`
        const make = (k: 'OK' | 'ERR', name: string) =>
          k === 'OK' ? timedTask(random() * 20, { value: name }, () => p.leader.now()).fn : () => Promise.reject(new RacerError(`${name} failed`))
        const results = await Promise.allSettled([p.leader[kind](make(leaderKind, 'L'), { key }), p.follower[kind](make(followerKind, 'F'), { key })])
        const outcome = results.map((r) => (r.status === 'fulfilled' ? r.value : (r.reason as Error).name + ':' + (r.reason as NetError).code))
        if (kind === 'tryJoin') {
          const expected = (mine: string, peer: string, value: string) =>
            mine === 'ERR' ? 'RacerError:undefined' : peer === 'ERR' ? 'NetError:remote' : value
          expect(outcome).toEqual([expected(leaderKind, followerKind, 'L'), expected(followerKind, leaderKind, 'F')])
        } else if (leaderKind === 'ERR' && followerKind === 'ERR') {
          expect(outcome).toEqual(['NetError:remote', 'NetError:remote'])
        } else {
          const wins = outcome.map((o) => (o as { won: boolean }).won)
          expect(wins[0]).toBe(!wins[1])
          if (leaderKind !== followerKind) expect(wins[0]).toBe(leaderKind === 'OK')
        }
        expect(messagesFor(p, key)).toBe(2)
      }
    }
  })

  it('aborting settles the peer with NetError aborted, for every primitive', async () => {
    for (const kind of ['join', 'tryJoin', 'select', 'trySelect'] as const) {
      const controller = new AbortController()
      const theirs = manualTask<number>()
      const leaderSide = rejectionOf(p.leader[kind](manualTask<number>().fn, { key: `abort:${kind}`, signal: controller.signal }))
      const followerSide = rejectionOf(p.follower[kind](theirs.fn, { key: `abort:${kind}` }))
      controller.abort()
      expect(await leaderSide).toMatchObject({ code: 'aborted' })
      expect(await followerSide).toMatchObject({ code: 'aborted' })
      expect(theirs.signal?.aborted).toBe(true)
      await expectKeyFree(p, `abort:${kind}`)
    }
    await expect(p.leader.exchange(1, { key: 'abort:x', signal: AbortSignal.abort() })).rejects.toMatchObject({ code: 'aborted' })
    await expect(p.follower.exchange(2, { key: 'abort:x' })).rejects.toMatchObject({ code: 'aborted' })
    await delivered(p)
  })

  it('the peer closing mid-operation rejects every pending call on both sides with NetError closed', async () => {
    const own = await connect()
    const q = await openSessions([own.a, own.b])
    try {
      const pending = [
        q.leader.join(manualTask().fn, { key: 'j' }),
        q.leader.tryJoin(manualTask().fn, { key: 't' }),
        q.leader.select(manualTask().fn, { key: 's' }),
        q.leader.trySelect(manualTask().fn, { key: 'y' }),
        q.leader.exchange(1, { key: 'x' }),
        q.follower.join(manualTask().fn, { key: 'j' }),
      ].map((call) => rejectionOf(call))
      await q.follower.close()
      for (const err of await Promise.all(pending)) expect(err).toMatchObject({ code: 'closed' })
    } finally {
      await q.close()
      await own.close()
    }
  })
})
