import { describe, expect, it } from 'vitest'
import { encodeExchangeMessage, parseExchangeMessage, type ExchangeMessage } from '../../../src/ops/one-shot/exchange-wire.js'
import { prng, seedFromEnv } from '../../helpers/prng.js'
import { sessionPairs } from './op-helpers.js'
import { delivered, expectKeyFree, messagesFor } from '../../helpers/session-probes.js'

const seed = seedFromEnv()
console.log(`exchange tests: SEED=${seed}`)
const random = prng(seed)

const pair = sessionPairs(random)

// The lifecycle exchange shares with the other one-shot kinds (pairing, aborts, close, timeout,
// key reuse) is the contract in test/contract/one-shot-lifecycle.ts.
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
