/**
 * Typed channel scenarios shared by the memory-pair and the real-WebRTC suites: each takes an open
 * session pair and asserts end to end. Waits are on events (a value arriving, a promise settling,
 * a barrier message), never on the clock.
 */
import { expect } from 'vitest'
import { NetError } from '../../../src/base/errors.js'
import type { TypedChannel, TypedChannelOptions } from '../../../src/ops/channel/typed-channel.js'
import { prng, randomBytes } from '../../helpers/prng.js'
import type { SessionPair } from '../../helpers/session-pair.js'
import { sessionCore } from '../../../src/session.js'

let keys = 0

/** The two ends of one fresh channel: `a` on the leader, `b` on the follower. */
export function channelPair<T>(pair: SessionPair, options: TypedChannelOptions = {}, key = `ch-${++keys}`): [TypedChannel<T>, TypedChannel<T>] {
  return [pair.leader.channel<T>(key, options), pair.follower.channel<T>(key, options)]
}

/** Reads until the peer's end. */
export async function collect<T>(channel: TypedChannel<T>): Promise<T[]> {
  const out: T[] = []
  for await (const value of channel) out.push(value)
  return out
}

/** Resolves once every frame the leader sent before this call has reached the follower. */
export async function barrier(pair: SessionPair): Promise<void> {
  const [a, b] = channelPair<number>(pair)
  const iterator = b[Symbol.asyncIterator]()
  await a.send(1)
  await iterator.next()
  await Promise.all([a.close(), iterator.return!()])
  await closedCleanly(a, b)
}

/**
 * Both ends' `closed` resolved with a clean close (NetError `closed` naming who closed first), not
 * with a session's reason; `first` says which end closed first, when the scenario decides it.
 */
export async function closedCleanly(a: TypedChannel<unknown>, b: TypedChannel<unknown>, first?: 'a' | 'b'): Promise<void> {
  const [ra, rb] = await Promise.all([a.closed, b.closed])
  for (const reason of [ra, rb]) {
    expect(reason).toBeInstanceOf(NetError)
    expect(reason.code).toBe('closed')
    expect(reason.message).toMatch(/^channel ".+" was closed by (this side|the peer) first, then by (the peer|this side)$/)
  }
  if (first !== undefined) {
    expect(ra.message).toMatch(first === 'a' ? /by this side first/ : /by the peer first/)
    expect(rb.message).toMatch(first === 'b' ? /by this side first/ : /by the peer first/)
  }
}

/** Tracks whether a promise has settled, without awaiting it. */
export function probe<T>(promise: Promise<T>): { readonly settled: boolean; readonly promise: Promise<T> } {
  let settled = false
  promise.then(
    () => (settled = true),
    () => (settled = true),
  )
  return {
    get settled() {
      return settled
    },
    promise,
  }
}

export async function expectNetError(promise: Promise<unknown>, code: NetError['code']): Promise<NetError> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  )
  expect(err).toBeInstanceOf(NetError)
  expect((err as NetError).code).toBe(code)
  return err as NetError
}

const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i)

/** The original's test: each side sends 0..999, then receives 0..999 in order. */
export async function originalScenario(pair: SessionPair): Promise<void> {
  const [a, b] = channelPair<number>(pair)
  const side = async (channel: TypedChannel<number>): Promise<number[]> => {
    // Issued without awaiting each: with any finite window, two sides that both await every send
    // before reading would wait on each other for ever (the original's queue was unbounded).
    const sending = Promise.all(range(1000).map((i) => channel.send(i)))
    const closing = channel.close()
    const received = await collect(channel)
    await Promise.all([sending, closing])
    return received
  }
  const [fromB, fromA] = await Promise.all([side(a), side(b)])
  expect(fromB).toEqual(range(1000))
  expect(fromA).toEqual(range(1000))
  await closedCleanly(a, b)
}

/** Each side awaits every send in a loop while reading concurrently. */
export async function bothDirections(pair: SessionPair, count = 1000, options: TypedChannelOptions = {}): Promise<void> {
  const [a, b] = channelPair<number>(pair, options)
  const side = async (channel: TypedChannel<number>): Promise<number[]> => {
    const reading = collect(channel)
    for (let i = 0; i < count; i++) await channel.send(i)
    await channel.close()
    return reading
  }
  const [fromB, fromA] = await Promise.all([side(a), side(b)])
  expect(fromB).toEqual(range(count))
  expect(fromA).toEqual(range(count))
  await closedCleanly(a, b)
}

/** A 4 MiB value arrives intact, and a small value sent after it arrives after it. */
export async function bigMessage(pair: SessionPair, seed: number): Promise<void> {
  const [a, b] = channelPair<Uint8Array | string>(pair)
  const big = randomBytes(prng(seed), 4 * 1024 * 1024)
  const reading = collect(b)
  await Promise.all([a.send('before'), a.send(big), a.send('after')])
  await a.close()
  const [before, got, after] = await reading
  expect([before, after]).toEqual(['before', 'after'])
  expect(got).toBeInstanceOf(Uint8Array)
  expect((got as Uint8Array).length).toBe(big.length)
  expect(Buffer.compare(Buffer.from(got as Uint8Array), Buffer.from(big))).toBe(0)
  await b.close()
  await closedCleanly(a, b)
}

/**
 * A reader that takes one value per `takeDelay()`: the sender is held to the window and the
 * reader's buffer never exceeds it. Returns the largest buffer seen.
 */
export async function slowConsumer(
  pair: SessionPair,
  opts: { window: number; windowBytes?: number; count: number; value: (i: number) => unknown; weight: number; takeDelay: () => Promise<void> },
): Promise<{ maxMessages: number; maxBytes: number; maxAhead: number }> {
  const [a, b] = channelPair<unknown>(pair, { window: opts.window, windowBytes: opts.windowBytes })
  let sent = 0
  let taken = 0
  let maxMessages = 0
  let maxBytes = 0
  let maxAhead = 0
  const byteBound = (opts.windowBytes ?? Infinity) + opts.weight
  const sending = (async () => {
    for (let i = 0; i < opts.count; i++) {
      await a.send(opts.value(i))
      sent++
      maxAhead = Math.max(maxAhead, sent - taken)
      // Credit comes back only for what the reader took, so the sender can never be further ahead.
      expect(sent - taken).toBeLessThanOrEqual(opts.window)
      expect((sent - taken) * opts.weight).toBeLessThanOrEqual(byteBound)
    }
    await a.close()
  })()
  for await (const value of b) {
    // Buffer.compare: vitest's deep equality takes ~0.5 s per 64 KiB array.
    const expected = opts.value(taken)
    if (value instanceof Uint8Array) expect(Buffer.compare(value, expected as Uint8Array)).toBe(0)
    else expect(value).toEqual(expected)
    taken++
    maxMessages = Math.max(maxMessages, b.bufferedMessages + 1)
    maxBytes = Math.max(maxBytes, b.bufferedBytes + opts.weight)
    expect(b.bufferedMessages).toBeLessThan(opts.window)
    expect(b.bufferedBytes + opts.weight).toBeLessThanOrEqual(byteBound)
    await opts.takeDelay()
  }
  await sending
  expect(taken).toBe(opts.count)
  await b.close()
  await closedCleanly(a, b)
  return { maxMessages, maxBytes, maxAhead }
}

/** With nobody reading, exactly `window` values reach the reader and the next send waits. */
export async function windowHoldsSender(pair: SessionPair, window: number): Promise<void> {
  const [a, b] = channelPair<number>(pair, { window })
  const sends = range(window + 3).map((i) => probe(a.send(i)))
  await Promise.all(sends.slice(0, window).map((s) => s.promise))
  await barrier(pair)
  expect(b.bufferedMessages).toBe(window)
  expect(sends.slice(window).some((s) => s.settled)).toBe(false)
  const iterator = b[Symbol.asyncIterator]()
  for (let i = 0; i < window + 3; i++) expect((await iterator.next()).value).toBe(i)
  await Promise.all(sends.map((s) => s.promise))
  await Promise.all([a.close(), b.close()])
  expect((await iterator.next()).done).toBe(true)
  await closedCleanly(a, b)
}

/** Both sides close at the same moment while reading; both iterations end and the key is reusable. */
export async function closeAtOnce(pair: SessionPair): Promise<void> {
  const key = `close-at-once-${++keys}`
  const [a, b] = channelPair<number>(pair, {}, key)
  const readers = [collect(a), collect(b)]
  await Promise.all([a.send(1), b.send(2)])
  await Promise.all([a.close(), b.close()])
  expect(await Promise.all(readers)).toEqual([[2], [1]])
  await closedCleanly(a, b)
  const [a2, b2] = channelPair<string>(pair, {}, key)
  const again = collect(b2)
  await a2.send('again')
  await Promise.all([a2.close(), b2.close()])
  expect(await again).toEqual(['again'])
  await closedCleanly(a2, b2)
  // Both give up at once, each with a send still waiting for credit.
  const [a3, b3] = channelPair<number>(pair, { window: 1 }, key)
  await Promise.all([a3.send(1), b3.send(2)])
  const waiting = [probe(a3.send(3)).promise, probe(b3.send(4)).promise]
  await Promise.all([a3[Symbol.asyncDispose](), b3[Symbol.asyncDispose]()])
  for (const send of waiting) await expectNetError(send, 'closed')
}

/** A closes its sending side while B keeps sending: A still reads all of B's values. */
export async function halfCloseWhilePeerSends(pair: SessionPair): Promise<void> {
  const [a, b] = channelPair<number>(pair, { window: 8 })
  const bSending = (async () => {
    for (let i = 0; i < 300; i++) await b.send(i)
    await b.close()
  })()
  const iterator = a[Symbol.asyncIterator]()
  expect((await iterator.next()).value).toBe(0)
  await a.close()
  await expectNetError(a.send(99), 'usage')
  const rest: number[] = []
  for (let r = await iterator.next(); r.done !== true; r = await iterator.next()) rest.push(r.value)
  expect(rest).toEqual(range(300).slice(1))
  expect(await collect(b)).toEqual([])
  await bSending
  await closedCleanly(a, b)
}

/** A gives up reading (`break`, or dispose) while B is mid-send: B's sends reject with `closed`, both ports release. */
export async function readerGivesUp(pair: SessionPair, how: 'break' | 'dispose'): Promise<void> {
  const [a, b] = channelPair<number>(pair, { window: 8 })
  const bSending = probe(
    (async () => {
      for (let i = 0; ; i++) await b.send(i)
    })(),
  ).promise
  const seen: number[] = []
  if (how === 'break') {
    for await (const value of a) {
      seen.push(value)
      if (seen.length === 20) break
    }
  } else {
    const iterator = a[Symbol.asyncIterator]()
    while (seen.length < 20) seen.push((await iterator.next()).value as number)
    await a[Symbol.asyncDispose]()
  }
  expect(seen).toEqual(range(20))
  const err = await expectNetError(bSending, 'closed')
  expect(err.message).toMatch(/stopped reading/)
  await expectNetError(a.send(1), 'usage')
  expect(await collect(b)).toEqual([])
  await closedCleanly(a, b)
  expect(sessionCore(pair.leader).isClosed || sessionCore(pair.follower).isClosed).toBe(false)
}

/** The session closes while a send waits for credit and while a read waits for a value. */
export async function sessionClosedMidway(pair: SessionPair, closer: 'leader' | 'follower'): Promise<void> {
  const [a, b] = channelPair<number>(pair, { window: 4 })
  const sends = range(10).map((i) => probe(a.send(i)))
  await Promise.all(sends.slice(0, 4).map((s) => s.promise))
  const [c, d] = channelPair<number>(pair)
  const waitingRead = probe(d[Symbol.asyncIterator]().next()).promise
  await barrier(pair)
  expect(b.bufferedMessages).toBe(4)
  expect(sends.slice(4).some((s) => s.settled)).toBe(false)
  await pair[closer].close()
  for (const s of sends.slice(4)) await expectNetError(s.promise, 'closed')
  await expectNetError(waitingRead, 'closed')
  // `closed` resolves (never rejects) with the session's own reason.
  expect(await a.closed).toBe(await pair.leader.closed)
  await expectNetError(c.send(1), 'closed')
  await expectNetError(b[Symbol.asyncIterator]().next(), 'closed')
}

/** A send still waiting for credit is withdrawn by its signal and never arrives. */
export async function abortPendingSend(pair: SessionPair): Promise<void> {
  const [a, b] = channelPair<number>(pair, { window: 2 })
  await Promise.all([a.send(0), a.send(1)])
  const controller = new AbortController()
  const withdrawn = a.send(2, { signal: controller.signal })
  const later = a.send(3)
  controller.abort()
  await expectNetError(withdrawn, 'aborted')
  await expectNetError(a.send(4, { signal: AbortSignal.abort() }), 'aborted')
  const closing = a.close()
  expect(await collect(b)).toEqual([0, 1, 3])
  await Promise.all([later, closing, b.close()])
  await closedCleanly(a, b)
}
