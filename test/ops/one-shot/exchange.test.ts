import { describe, expect, it } from 'vitest'
import { encodeExchangeMessage, parseExchangeMessage, type ExchangeMessage } from '../../../src/ops/one-shot/exchange-wire.js'
import { prng, seedFromEnv } from '../../helpers/prng.js'
import { FAST_TIMEOUT, sessionPairs } from './op-helpers.js'
import { rejectionOf, stateOf } from '../../helpers/promises.js'
import { delivered, expectKeyFree, messagesFor } from '../../helpers/session-probes.js'

const seed = seedFromEnv()
console.log(`exchange tests: SEED=${seed}`)
const random = prng(seed)

const pair = sessionPairs(random)

describe('exchange', () => {
  it("resolves each side with the peer's value, with 2 messages", async () => {
    const p = await pair()
    const mine = { name: 'leader', list: [1, 2.5, null, true], bytes: new Uint8Array([1, 2, 3]), nested: { deep: ['x'] } }
    const [leaderGot, followerGot] = await Promise.all([p.leader.exchange(mine, { key: 'x' }), p.follower.exchange('follower', { key: 'x' })])
    expect(leaderGot).toBe('follower')
    expect(followerGot).toEqual(mine)
    expect(messagesFor(p, 'x')).toBe(2)
    await expectKeyFree(p, 'x')
  })

  it('works when one side calls long after the other, and pairs calls without keys by call order', async () => {
    const p = await pair()
    const early = p.leader.exchange(1)
    const early2 = p.leader.exchange(2)
    await delivered(p)
    expect(await stateOf(early)).toBe('pending')
    expect(await Promise.all([p.follower.exchange('a'), p.follower.exchange('b'), early, early2])).toEqual([1, 2, 'a', 'b'])
  })

  it('an unencodable value rejects with NetError usage here, and the peer settles with NetError aborted', async () => {
    const p = await pair()
    const leaderSide = p.leader.exchange(() => 'a function', { key: 'u' })
    await expect(leaderSide).rejects.toMatchObject({ code: 'usage' })
    await expect(p.follower.exchange('fine', { key: 'u' })).rejects.toMatchObject({ code: 'aborted' })
    expect(messagesFor(p, 'u')).toBe(2)
    await delivered(p) // the leader keeps its port until the follower's value arrives
    // Too deep for the codec's guard: refused before anything is sent, the same way.
    let deep: unknown = 0
    for (let i = 0; i < 100; i++) deep = [deep]
    const both = Promise.allSettled([p.follower.exchange(deep, { key: 'u' }), p.leader.exchange('fine', { key: 'u' })])
    expect(await both).toMatchObject([
      { status: 'rejected', reason: { code: 'usage' } },
      { status: 'rejected', reason: { code: 'aborted' } },
    ])
    await expectKeyFree(p, 'u')
  })

  it('abort with an already aborted signal: the peer settles with NetError aborted', async () => {
    const p = await pair()
    await expect(p.leader.exchange(1, { key: 'a', signal: AbortSignal.abort() })).rejects.toMatchObject({ code: 'aborted' })
    await expect(p.follower.exchange(2, { key: 'a' })).rejects.toMatchObject({ code: 'aborted', message: /aborted by the peer/ })
    expect(messagesFor(p, 'a')).toBe(2)
    await expectKeyFree(p, 'a')
  })

  it("abort after the peer finished (its value is waiting here): the peer's value is dropped and the peer settles with NetError aborted", async () => {
    const p = await pair()
    const followerSide = rejectionOf(p.follower.exchange(2, { key: 'a' }))
    await delivered(p)
    await expect(p.leader.exchange(1, { key: 'a', signal: AbortSignal.abort() })).rejects.toMatchObject({ code: 'aborted' })
    expect(await followerSide).toMatchObject({ code: 'aborted' })
    await expectKeyFree(p, 'a')
  })

  it('the peer session closing mid-operation rejects with NetError closed', async () => {
    const p = await pair()
    const leaderSide = rejectionOf(p.leader.exchange(1, { key: 'c' }))
    await p.follower.close()
    expect(await leaderSide).toMatchObject({ code: 'closed', message: /peer closed/ })
    await expect(p.follower.exchange(1, { key: 'c' })).rejects.toMatchObject({ code: 'closed' })
  })

  it('a severed channel rejects both sides with NetError timeout (heartbeat)', async () => {
    const p = await pair({ leader: FAST_TIMEOUT, follower: FAST_TIMEOUT })
    p.leaderEnd.sever()
    const [leaderSide, followerSide] = [rejectionOf(p.leader.exchange(1, { key: 'c' })), rejectionOf(p.follower.exchange(2, { key: 'c' }))]
    expect(await leaderSide).toMatchObject({ code: 'timeout' })
    expect(await followerSide).toMatchObject({ code: 'timeout' })
  })

  it('fails both sides with NetError protocol when one key is an exchange here and a join there', async () => {
    const p = await pair()
    const results = await Promise.allSettled([p.leader.exchange(1, { key: 'k' }), p.follower.join(() => 2, { key: 'k' })])
    expect(results).toMatchObject([
      { status: 'rejected', reason: { code: 'protocol' } },
      { status: 'rejected', reason: { code: 'protocol' } },
    ])
  })
})

describe('exchange wire messages', () => {
  const valid: ExchangeMessage[] = [{ type: 'value', value: { a: 1 } }, { type: 'value', value: undefined }, { type: 'abort' }]

  it('round-trips exactly the two message shapes as tagged arrays', () => {
    for (const message of valid) {
      expect(Array.isArray(encodeExchangeMessage(message))).toBe(true)
      expect(parseExchangeMessage(encodeExchangeMessage(message))).toEqual(message)
    }
  })

  it.each([null, 'value', [], [0], [0, 1, 2], [1, 1], [2], ['0', 1], { type: 'value', value: 1 }, { type: 'abort' }])(
    'refuses %o with NetError protocol',
    (raw) => {
      expect(() => parseExchangeMessage(raw)).toThrow(expect.objectContaining({ code: 'protocol' }))
    },
  )
})
