/**
 * Long outages of the same connection with resume on (issue 16): past the silence bound the
 * sessions suspend instead of closing, heartbeats go on probing the same channel, and when the
 * path is back the first frame heard resumes them by themselves — no new channel, no
 * `session.resume` call. A channel stream, a lock hand-off and a pending join in flight across
 * the outage all complete: nothing lost, doubled or reordered. Over node-datachannel through the
 * relay, 20 ms ± 5 ms one way; the two outages run side by side on their own connections.
 */
import { afterAll, expect, it } from 'vitest'
import type { SessionOptions } from '../../src/core/options.js'
import { seedFromEnv } from '../helpers/prng.js'
import { acrossOutage, outcome, type AcrossOutage } from './outage-scenario.js'
import { lossyFramePair } from '../helpers/lossy-pair.js'
import { lossySessions, type LossySessions } from './lossy-sessions.js'

const seed = seedFromEnv()
console.log(`outages with resume on: SEED=${seed}`)
const PATH = { delayMs: 20, jitterMs: 5, loss: 0 }
/** A short silence bound, so the sessions suspend early in the outage; the grace outlasts it. */
const OPTIONS: SessionOptions = { heartbeatMs: 500, timeoutMs: 3000, resume: { graceMs: 60_000 } }

const opened: LossySessions[] = []
const closers: Array<() => Promise<void>> = []
afterAll(async () => {
  await Promise.all(opened.map((s) => s.close()))
  await Promise.all(closers.map((close) => close()))
})

function recordEvents(s: LossySessions): string[] {
  const events: string[] = []
  for (const [name, session] of [['leader', s.leader], ['follower', s.follower]] as const) {
    session.on('suspended', (reason) => events.push(`${name} suspended ${reason.code}`))
    session.on('resumed', () => events.push(`${name} resumed`))
  }
  return events
}

function expectNothingLost(result: AcrossOutage): void {
  expect(result.readError).toBeUndefined()
  expect(result.received).toEqual(Array.from({ length: result.sent }, (_, i) => i))
  expect(result.join.map(outcome)).toEqual(['ok', 'ok'])
  expect(result.handoff.status === 'fulfilled' && result.handoff.value.value).toBe(42)
  expect(result.handoff.status === 'fulfilled' && result.handoff.value.epoch).toBeGreaterThan(result.holderEpoch)
}

/** Each side's events alternate suspended → resumed, ending resumed (or never suspended). */
function expectBalanced(events: string[], side: string): void {
  const mine = events.filter((e) => e.startsWith(`${side} `)).map((e) => e.slice(side.length + 1))
  mine.forEach((e, i) => expect(e, `${side}'s event ${i}: ${mine.join(', ')}`).toBe(i % 2 === 0 ? 'suspended timeout' : 'resumed'))
  expect(mine.length % 2, `${side} ends resumed: ${mine.join(', ')}`).toBe(0)
}

it.concurrent.each([1000, 3000, 4500, 8000])('a %i ms outage: whatever suspends resumes by itself on the same connection once it carries frames again; nothing lost', async (outageMs) => {
  const s = await lossySessions(PATH, seed + outageMs, OPTIONS)
  opened.push(s)
  const events = recordEvents(s)
  let backAt = 0
  const result = await acrossOutage(s, async () => {
    await s.frames.path.outage(outageMs)
    backAt = performance.now()
  })
  console.log(`${outageMs} ms outage, resume on: everything settled ${(performance.now() - backAt).toFixed(0)} ms after the path came back; ${events.join(', ')}`)
  expect(s.frames.path.stats.cut, 'datagrams the outage dropped').toBeGreaterThan(0)
  expect(s.closedWith).toEqual({})
  // Each direction's transport retries on its own schedule, so a side may suspend more than once;
  // an outage far past timeoutMs (3 s) suspends both.
  expectBalanced(events, 'leader')
  expectBalanced(events, 'follower')
  if (outageMs >= 8000) expect(events.filter((e) => e.endsWith('suspended timeout')).length).toBeGreaterThanOrEqual(2)
  expect([s.leader.state, s.follower.state]).toEqual(['open', 'open'])
  expectNothingLost(result)
}, 90_000)

it.concurrent('a 30 s outage: the connection may not come back (ICE consent lapses after 30 s); the app reconnects and resumes, nothing lost', async () => {
  const s = await lossySessions(PATH, seed + 1, OPTIONS)
  opened.push(s)
  const events = recordEvents(s)
  let backAt = 0
  const result = await acrossOutage(s, async () => {
    await s.frames.path.outage(30_000)
    backAt = performance.now()
    // What an app does after a long outage: a new connection (here through a new relay on the
    // same kind of path), each side resuming over its end.
    const next = await lossyFramePair(PATH, seed + 2)
    closers.push(() => next.close())
    await Promise.all([s.leader.resume(next.a), s.follower.resume(next.b)])
  })
  console.log(`30 s outage, resume on: everything settled ${(performance.now() - backAt).toFixed(0)} ms after the path came back; ${events.join(', ')}`)
  expect(s.closedWith).toEqual({})
  expect(events.filter((e) => e.endsWith('resumed')).sort()).toEqual(['follower resumed', 'leader resumed'])
  expect([s.leader.state, s.follower.state]).toEqual(['open', 'open'])
  expectNothingLost(result)
}, 90_000)
