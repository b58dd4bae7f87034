import { afterEach, describe, expect, it } from 'vitest'
import type { MemoryPairOptions } from '../../src/channel/memory.js'
import { defaultNow } from '../../src/time/local-clock.js'
import { waitUntil } from '../../src/time/start-timer.js'
import type { SyncStartInfo } from '../../src/time/sync-start.js'
import { parseSyncStartMessage } from '../../src/time/sync-start-wire.js'
import { prng, seedFromEnv } from '../helpers/prng.js'
import { memorySessions, type SessionPair } from '../helpers/session-pair.js'

const seed = seedFromEnv()
console.log(`syncStart tests: SEED=${seed}`)
const random = prng(seed)

type Pair = Awaited<ReturnType<typeof memorySessions>>
let open: SessionPair[] = []
/** A memory pair whose follower clock reads true time + `skew` ms. */
async function pair(skew = 12_345.678, link: MemoryPairOptions = { latencyMs: 0.3, jitterMs: 0.3, random }): Promise<Pair> {
  const p = await memorySessions(link, { follower: { now: () => defaultNow() + skew } })
  open.push(p)
  return p
}
afterEach(async () => {
  await Promise.all(open.map((p) => p.close()))
  open = []
})

let barriers = 0

/**
 * Resolves once everything either side posted before the call, and the immediate answers to it,
 * has arrived: two rounds of one message each way on fresh raw ports of the ordered channel.
 */
async function delivered(p: Pair): Promise<void> {
  for (let round = 0; round < 2; round++) {
    const key = `barrier:${++barriers}`
    await Promise.all(
      [p.leader, p.follower].map(
        (session) =>
          new Promise<void>((resolve, reject) => {
            const port = session.openPort<number, unknown>('test-barrier', key, {
              parse: (m) => m,
              onMessage: () => {
                port.release()
                resolve()
              },
              onClose: reject,
            })
            port.post(0)
          }),
      ),
    )
  }
}

/** Both sides can use `key` again (so both released it) and no stray message for it closes the session. */
async function expectKeyFree(p: Pair, key: string): Promise<void> {
  await delivered(p)
  const again = [p.leader.syncStart(() => 'again', { key, ...AHEAD }), p.follower.syncStart(() => 'again', { key })]
  await expect(Promise.all(again)).resolves.toEqual(['again', 'again'])
  await delivered(p)
  expect([p.leader.isClosed, p.follower.isClosed]).toEqual([false, false])
}

/** Port messages both sides sent under `key`. */
function messagesFor(p: Pair, key: string): number {
  return (p.leaderCounts.byKey.get(key) ?? 0) + (p.followerCounts.byKey.get(key) ?? 0)
}

const PENDING = Symbol('pending')
async function stateOf(promise: Promise<unknown>): Promise<'pending' | 'settled'> {
  const first = await Promise.race([promise, Promise.resolve(PENDING)]).catch(() => undefined)
  return first === PENDING ? 'pending' : 'settled'
}

function rejectionOf(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    (value) => {
      throw new Error(`expected a rejection, got ${String(value)}`)
    },
    (err: unknown) => err,
  )
}

/** For tests about anything but timing: far enough ahead that a busy CI machine is never late. */
const AHEAD = { delayMs: 300 }

/** A start function that records the true time (the unskewed clock) it was called at. */
function recorder<P>() {
  const calls: { trueAt: number; info: SyncStartInfo<P> }[] = []
  const fn = (info: SyncStartInfo<P>) => {
    calls.push({ trueAt: defaultNow(), info })
    return calls.length
  }
  return { fn, calls }
}

/**
 * Checks that two recorded starts happened at one instant of true time. `Δ = tL − tF` has two
 * parts: where each side's clock view put the agreed instant (the clock estimate's error) and how
 * late each actually ran (the OS may deschedule this thread between the two calls; each side
 * reports that as `lateByMs`). The first must always be < 2 ms; Δ itself must be < 2 ms whenever
 * the two sides were not delayed differently. Returns whether that was the case.
 */
function expectSameInstant(l: { trueAt: number; info: SyncStartInfo<unknown> }, f: { trueAt: number; info: SyncStartInfo<unknown> }): boolean {
  const delta = l.trueAt - f.trueAt
  const lateDiff = l.info.lateByMs - f.info.lateByMs
  expect(Math.abs(delta - lateDiff), `agreed instants ${delta - lateDiff} ms apart`).toBeLessThan(2)
  const even = Math.abs(lateDiff) < 0.5
  if (even) expect(Math.abs(delta), `starts ${delta} ms apart`).toBeLessThan(2)
  return even
}

describe('syncStart', () => {
  it.each([
    ['leader calls first', 'leader', 12_345.678],
    ['follower calls first', 'follower', -777.25],
  ] as const)('%s: both start at one instant and swap payloads', async (_name, first, skew) => {
    const p = await pair(skew)
    const [l, f] = [recorder<string>(), recorder<string>()]
    const firstCall =
      first === 'leader' ? p.leader.syncStart(l.fn, { payload: 'L', key: 's', ...AHEAD }) : p.follower.syncStart(f.fn, { payload: 'F', key: 's', ...AHEAD })
    await delivered(p)
    expect(await stateOf(firstCall)).toBe('pending')
    const second =
      first === 'leader' ? p.follower.syncStart(f.fn, { payload: 'F', key: 's', ...AHEAD }) : p.leader.syncStart(l.fn, { payload: 'L', key: 's', ...AHEAD })
    expect(await Promise.all([firstCall, second])).toEqual([1, 1])
    const [lc, fc] = [l.calls[0]!, f.calls[0]!]
    expect([lc.info.peerPayload, fc.info.peerPayload]).toEqual(['F', 'L'])
    expect(fc.info.at).toBe(lc.info.at)
    expectSameInstant(lc, fc)
    await delivered(p) // `done` goes out on a later task
    expect(messagesFor(p, 's')).toBe(4) // ready, start, done, done
    await expectKeyFree(p, 's')
  })

  it('both sides start within 2 ms of true time over seeded skews and jitter', async () => {
    const runs = 16
    let clean = 0
    let late = 0
    let worst = 0
    for (let run = 0; run < runs; run++) {
      const skew = (random() - 0.5) * 2e6
      const p = await pair(skew, { latencyMs: random() * 0.5, jitterMs: random() * 0.5, random })
      const [l, f] = [recorder<undefined>(), recorder<undefined>()]
      const outcomes = await Promise.allSettled([p.leader.syncStart(l.fn), p.follower.syncStart(f.fn)])
      const refused = outcomes.filter((o) => o.status === 'rejected')
      if (refused.length > 0) {
        // Only an overloaded machine delays `start` past the default 50 ms lead; refusing is right.
        expect(refused).toMatchObject([{ reason: { code: 'late' } }])
        late++
        continue
      }
      if (expectSameInstant(l.calls[0]!, f.calls[0]!)) clean++
      worst = Math.max(worst, Math.abs(l.calls[0]!.trueAt - f.calls[0]!.trueAt))
    }
    console.log(`syncStart over memory pairs: worst true-time difference ${worst.toFixed(3)} ms; ${clean}/${runs} runs undisturbed, ${late} refused as late`)
    // Only a machine that keeps descheduling this thread disturbs a run or makes it late.
    expect(late).toBeLessThanOrEqual(runs / 4)
    expect(clean).toBeGreaterThanOrEqual(runs / 4)
  })

  it('the larger delayMs of the two sides wins', async () => {
    const p = await pair()
    const l = recorder<unknown>()
    const agreed = defaultNow()
    await Promise.all([p.leader.syncStart(l.fn, { delayMs: 5 }), p.follower.syncStart(() => {}, { delayMs: 300 })])
    expect(l.calls[0]!.trueAt - agreed).toBeGreaterThanOrEqual(300)
  })

  it("rejects with NetError late on the follower when start arrives after the instant, and the leader's port is freed", async () => {
    const p = await pair()
    p.followerEnd.pause() // hold the leader's `start` (and everything else) away from the follower
    const follower = p.follower.syncStart(() => 'ran', { key: 'late', delayMs: 0 })
    const at = await p.leader.syncStart((info) => info.at, { key: 'late', delayMs: 0 })
    // The scenario, not a synchronisation: `start` reaches the follower 5 ms after the instant.
    await waitUntil(at + 5, { now: () => p.leader.now() })
    p.followerEnd.resume()
    expect(await rejectionOf(follower)).toMatchObject({ code: 'late', message: /had passed .* before it arrived/ })
    await expectKeyFree(p, 'late')
  })

  describe('abort', () => {
    it.each(['leader', 'follower'] as const)('by the %s before agreement: both sides reject with NetError aborted', async (who) => {
      const p = await pair()
      const ac = new AbortController()
      const [self, other] = who === 'leader' ? [p.leader, p.follower] : [p.follower, p.leader]
      const mine = self.syncStart(() => 'x', { key: 'a', signal: ac.signal })
      ac.abort(new Error('changed my mind'))
      expect(await rejectionOf(mine)).toMatchObject({ code: 'aborted' })
      await delivered(p)
      expect(await rejectionOf(other.syncStart(() => 'x', { key: 'a' }))).toMatchObject({ code: 'aborted', message: /by the peer/ })
      await expectKeyFree(p, 'a')
    })

    it.each(['leader', 'follower'] as const)('by the %s after agreement: neither side starts', async (who) => {
      const p = await pair()
      const ac = new AbortController()
      let ran = 0
      const leaderSide = p.leader.syncStart(() => ran++, { key: 'b', delayMs: 5_000, signal: who === 'leader' ? ac.signal : undefined })
      const followerSide = p.follower.syncStart(() => ran++, { key: 'b', signal: who === 'follower' ? ac.signal : undefined })
      await delivered(p) // ready and start have both arrived: the instant is agreed
      expect([await stateOf(leaderSide), await stateOf(followerSide)]).toEqual(['pending', 'pending'])
      ac.abort()
      const [self, other] = who === 'leader' ? [leaderSide, followerSide] : [followerSide, leaderSide]
      expect(await rejectionOf(self)).toMatchObject({ code: 'aborted' })
      expect(await rejectionOf(other)).toMatchObject({ code: 'aborted', message: /by the peer/ })
      expect(ran).toBe(0)
      await expectKeyFree(p, 'b')
    })

    it('an already aborted signal rejects at once and tells the peer', async () => {
      const p = await pair()
      const mine = p.follower.syncStart(() => 1, { key: 'c', signal: AbortSignal.abort() })
      expect(await rejectionOf(mine)).toMatchObject({ code: 'aborted' })
      expect(await rejectionOf(p.leader.syncStart(() => 1, { key: 'c' }))).toMatchObject({ code: 'aborted' })
      expect(messagesFor(p, 'c')).toBe(2)
      await expectKeyFree(p, 'c')
    })
  })

  it('session close while waiting rejects both sides with the close reason', async () => {
    const p = await pair()
    let ran = 0
    const both = [p.leader.syncStart(() => ran++, { delayMs: 5_000 }), p.follower.syncStart(() => ran++)]
    await delivered(p)
    await p.leader.close()
    const reasons = await Promise.all(both.map(rejectionOf))
    expect(reasons).toMatchObject([{ code: 'closed' }, { code: 'closed' }])
    expect(ran).toBe(0)
  })

  it('1,000 concurrent syncStarts on one connection all start, pairwise at the same instant', async () => {
    const p = await pair(-777.25, { latencyMs: 0.2, jitterMs: 0.2, random })
    const n = 1000
    // The default (50 ms, plus 1 ms per call of a batch) suffices on an idle machine; a CI machine
    // running other test files can slow these two peers, which share this one thread, tenfold.
    const delayMs = 3000
    const at = (side: typeof p.leader, tag: string) =>
      Promise.all(Array.from({ length: n }, (_, i) => side.syncStart((info) => [info.at, info.peerPayload], { payload: `${tag}${i}`, delayMs })))
    const [l, f] = await Promise.all([at(p.leader, 'L'), at(p.follower, 'F')])
    for (let i = 0; i < n; i++) {
      expect(l[i]).toEqual([f[i]![0], `F${i}`])
      expect(f[i]![1]).toBe(`L${i}`)
    }
  })

  it('misuse rejects with NetError usage here and NetError aborted on the peer', async () => {
    const p = await pair()
    expect(await rejectionOf(p.leader.syncStart(() => 1, { key: 'u', delayMs: -1 }))).toMatchObject({ code: 'usage' })
    expect(await rejectionOf(p.follower.syncStart(() => 1, { key: 'u' }))).toMatchObject({ code: 'aborted' })
    await delivered(p)
    const unencodable = p.follower.syncStart(() => 1, { key: 'u', payload: () => 'a function' })
    expect(await rejectionOf(unencodable)).toMatchObject({ code: 'usage' })
    expect(await rejectionOf(p.leader.syncStart(() => 1, { key: 'u' }))).toMatchObject({ code: 'aborted' })
    await expectKeyFree(p, 'u')
  })

  it("a throwing fn rejects only that side's syncStart", async () => {
    const p = await pair()
    const results = await Promise.allSettled([
      p.leader.syncStart(() => {
        throw new Error('boom')
      }, AHEAD),
      p.follower.syncStart(async () => 'fine', AHEAD),
    ])
    expect(results).toMatchObject([{ status: 'rejected', reason: { message: 'boom' } }, { status: 'fulfilled', value: 'fine' }])
  })
})

describe('a hostile peer', () => {
  /** The follower's side played by hand: raw messages on a `syncStart` port. */
  function rawFollower(p: Pair, key: string) {
    const port = p.follower.openPort<unknown, unknown>('syncStart', key, { parse: (m) => m, onMessage: () => {}, onClose: () => {} })
    return port
  }

  it.each([
    ['a "start" sent to the leader', [{ type: 'start', at: 0, payload: 1 }]],
    ['a second "ready"', [{ type: 'ready', payload: 1, delayMs: 5_000 }, { type: 'ready', payload: 1, delayMs: 0 }]],
    ['a message after its final one', [{ type: 'abort', reason: 'aborted' }, { type: 'done' }]],
    ['a malformed message', [{ type: 'ready', payload: 1, delayMs: -5 }]],
  ])('%s closes the session with NetError protocol', async (_name, messages) => {
    const p = await pair()
    const port = rawFollower(p, 'h')
    for (const m of messages) port.post(m)
    const leaderSide = p.leader.syncStart(() => 'ran', { key: 'h' })
    expect(await rejectionOf(leaderSide)).toMatchObject({ code: expect.stringMatching(/protocol|aborted/) })
    expect(await p.leader.closed).toMatchObject({ code: 'protocol' })
  })
})

describe('parseSyncStartMessage', () => {
  it('accepts the four messages and refuses anything else', () => {
    expect(parseSyncStartMessage({ type: 'ready', payload: undefined, delayMs: 0 })).toEqual({ type: 'ready', payload: undefined, delayMs: 0 })
    expect(parseSyncStartMessage({ type: 'start', at: 1.5, payload: [1] })).toEqual({ type: 'start', at: 1.5, payload: [1] })
    expect(parseSyncStartMessage({ type: 'done' })).toEqual({ type: 'done' })
    expect(parseSyncStartMessage({ type: 'abort', reason: 'late' })).toEqual({ type: 'abort', reason: 'late' })
    const bad: unknown[] = [
      null,
      [],
      'ready',
      { type: 'ready', payload: 1 },
      { type: 'ready', payload: 1, delayMs: -1 },
      { type: 'ready', payload: 1, delayMs: Number.NaN },
      { type: 'ready', payload: 1, delayMs: 1e12 },
      { type: 'start', at: Number.POSITIVE_INFINITY, payload: 1 },
      { type: 'start', at: '5', payload: 1 },
      { type: 'done', extra: 1 },
      { type: 'abort', reason: 'bored' },
      { type: 'go' },
      Object.create({ type: 'done' }),
    ]
    for (const raw of bad) expect(() => parseSyncStartMessage(raw), JSON.stringify(raw)).toThrow(expect.objectContaining({ code: 'protocol' }))
  })
})
