import { describe, expect, it } from 'vitest'
import { memoryPair } from '../../src/transport/memory.js'
import { NetError } from '../../src/base/errors.js'
import { sessionCore, Session } from '../../src/session.js'
import type { InternalSessionOptions, SessionOptions } from '../../src/core/options.js'
import { memorySessions } from '../helpers/session-pair.js'

/** Options announcing another protocol version: an internal option, outside SessionOptions. */
function version(protocolVersion: number): SessionOptions {
  return { protocolVersion } as InternalSessionOptions
}

describe('Session', () => {
  it('opens over a memory pair, agrees on roles and has a clock estimate', async () => {
    const [a, b] = memoryPair({ latencyMs: 1 })
    const [sa, sb] = await Promise.all([Session.open(a), Session.open(b)])
    expect(sa.role).not.toBe(sb.role)
    expect(sa.clock.samples).toBeGreaterThan(0)
    expect(Number.isFinite(sb.clock.errorBoundMs)).toBe(true)
    await sa.close()
    const reason = await sb.closed
    expect(reason.code).toBe('closed')
    expect(reason.message).toMatch(/peer closed/)
  })

  it('honours a fixed role on one side', async () => {
    const [a, b] = memoryPair()
    const [sa, sb] = await Promise.all([Session.open(a, { role: 'follower' }), Session.open(b)])
    expect(sa.role).toBe('follower')
    expect(sb.role).toBe('leader')
    await Promise.all([sa.close(), sb.close()])
  })

  it('refuses the same fixed role on both sides, on both sides', async () => {
    const [a, b] = memoryPair()
    const results = await Promise.allSettled([Session.open(a, { role: 'leader' }), Session.open(b, { role: 'leader' })])
    for (const result of results) {
      expect(result.status).toBe('rejected')
      const err = (result as PromiseRejectedResult).reason as NetError
      expect(err).toBeInstanceOf(NetError)
      expect(err.message).toMatch(/both peers asked to be the leader/)
    }
  })

  it('fails both sides with a clear message on a protocol version mismatch', async () => {
    const [a, b] = memoryPair()
    const results = await Promise.allSettled([Session.open(a, version(1)), Session.open(b, version(2))])
    const errors = results.map((r) => (r as PromiseRejectedResult).reason as NetError)
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected'])
    expect(errors[0]!.code).toBe('version')
    expect(errors[0]!.message).toMatch(/peer speaks netbeam protocol version 2, this side speaks version 1/)
    expect(errors[1]!.code).toBe('version')
    expect(errors[1]!.message).toMatch(/version 1, this side speaks version 2/)
  })

  it('detects a peer that went silent and closes with code timeout on both sides', async () => {
    const pair = await memorySessions({}, { leader: { heartbeatMs: 20, timeoutMs: 150 }, follower: { heartbeatMs: 20, timeoutMs: 150 } })
    const pending = pair.leader.exchange('x', { key: 'never-answered' }).catch((err: unknown) => err)
    pair.leaderEnd.sever()
    const [leaderReason, followerReason] = await Promise.all([pair.leader.closed, pair.follower.closed])
    expect(leaderReason.code).toBe('timeout')
    expect(followerReason.code).toBe('timeout')
    expect(leaderReason.message).toMatch(/silent for \d+ ms/)
    expect(await pending).toMatchObject({ code: 'timeout' })
  })

  it('rejects opening when the peer never answers, and on abort', async () => {
    const [a] = memoryPair()
    await expect(Session.open(a, { heartbeatMs: 20, timeoutMs: 100 })).rejects.toMatchObject({ code: 'timeout' })
    const [c] = memoryPair()
    const controller = new AbortController()
    const opening = Session.open(c, { signal: controller.signal })
    controller.abort()
    await expect(opening).rejects.toMatchObject({ code: 'aborted' })
  })

  it('rejects opening with an already aborted signal as NetError aborted, and closes the channel', async () => {
    const [a] = memoryPair()
    const reason = new Error('gave up before opening')
    const err = await Session.open(a, { signal: AbortSignal.abort(reason) }).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(NetError)
    expect(err).toMatchObject({ code: 'aborted', message: 'opening the session was aborted', cause: reason })
    expect(await a.closed).toBe(err)
  })

  it('closes idempotently, through asyncDispose too, and refuses work afterwards', async () => {
    const pair = await memorySessions()
    await Promise.all([pair.leader.close(), pair.leader.close(), pair.leader[Symbol.asyncDispose]()])
    expect(sessionCore(pair.leader).isClosed).toBe(true)
    expect((await pair.follower.closed).code).toBe('closed')
    await expect(pair.leader.exchange(1)).rejects.toMatchObject({ code: 'closed' })
  })

  it('refuses a second concurrent use of one key', async () => {
    const pair = await memorySessions()
    const first = pair.leader.exchange(1, { key: 'same' })
    await expect(pair.leader.exchange(2, { key: 'same' })).rejects.toMatchObject({ code: 'usage' })
    await pair.follower.exchange(3, { key: 'same' })
    await expect(first).resolves.toBe(3)
    await pair.close()
  })

  it('fails both sides loudly when one key is used for two kinds', async () => {
    const pair = await memorySessions()
    const results = await Promise.allSettled([
      pair.leader.join(() => 1, { key: 'k' }),
      pair.follower.exchange(2, { key: 'k' }),
    ])
    for (const result of results) {
      expect(result.status).toBe('rejected')
      expect((result as PromiseRejectedResult).reason).toMatchObject({ code: 'protocol' })
    }
    expect((await pair.leader.closed).message).toMatch(/"k" is used for/)
  })
})

describe('Session limits and liveness', () => {
  it('refuses a message over the peer limit at the sender, and the peer still settles', async () => {
    const pair = await memorySessions({}, { follower: { maxFrameBytes: 4096 } })
    const mine = pair.leader.exchange(new Uint8Array(10_000), { key: 'big' })
    const theirs = pair.follower.exchange('small', { key: 'big' })
    await expect(mine).rejects.toMatchObject({ code: 'usage', message: expect.stringMatching(/exceeds the peer's limit of 4096/) })
    await expect(theirs).rejects.toMatchObject({ code: 'aborted' })
    expect(sessionCore(pair.leader).isClosed).toBe(false)
    await expect(Promise.all([pair.leader.exchange(1, { key: 'after' }), pair.follower.exchange(2, { key: 'after' })])).resolves.toEqual([2, 1])
    await pair.close()
  })

  it('does not count a stall of its own event loop as peer silence', async () => {
    const options = { heartbeatMs: 20, timeoutMs: 100 }
    const pair = await memorySessions({}, { leader: options, follower: options })
    const until = performance.now() + 400
    while (performance.now() < until) {
      // Both sides live in this thread: it is blocked for four times the timeout.
    }
    await expect(Promise.all([pair.leader.exchange(1, { key: 'alive' }), pair.follower.exchange(2, { key: 'alive' })])).resolves.toEqual([2, 1])
    expect(sessionCore(pair.leader).isClosed).toBe(false)
    expect(pair.leader.stats.openOperations).toBe(0)
    await pair.close()
  })
})
