/**
 * Outages of the same connection shorter than the documented tolerance (timeoutMs / 2 − 1 s: 5 s
 * at the defaults), resume off: a channel stream, a lock hand-off and a pending join in flight
 * across each all complete once the path is back, nothing lost, doubled or reordered, and the
 * session stays open. Over node-datachannel through a relay, 20 ms ± 5 ms one way; no random
 * loss here, so each outage is the only thing the transport recovers from.
 */
import { afterEach, expect, it } from 'vitest'
import { seedFromEnv } from '../helpers/prng.js'
import { acrossOutage, outcome } from './outage-scenario.js'
import { lossySessions, type LossySessions } from './lossy-sessions.js'

const seed = seedFromEnv()
console.log(`outages within the tolerance: SEED=${seed}`)
const PATH = { delayMs: 20, jitterMs: 5, loss: 0 }

let open: LossySessions | undefined
afterEach(async () => {
  await open?.close()
  open = undefined
})

it.each([1000, 3000, 4500])('a %i ms outage: stream, hand-off and join all complete, the session stays open', async (outageMs) => {
  const s = (open = await lossySessions(PATH, seed))
  let backAt = 0
  const result = await acrossOutage(s, async () => {
    await s.frames.path.outage(outageMs)
    backAt = performance.now()
  })
  const recoveredAfterMs = performance.now() - backAt
  console.log(`${outageMs} ms outage: everything settled ${recoveredAfterMs.toFixed(0)} ms after the path came back; ${s.frames.path.stats.cut} datagrams cut`)
  expect(s.frames.path.stats.cut, 'datagrams the outage dropped').toBeGreaterThan(0)
  expect(s.closedWith).toEqual({})
  expect(result.readError).toBeUndefined()
  expect(result.received).toEqual(Array.from({ length: result.sent }, (_, i) => i))
  expect(result.join.map(outcome)).toEqual(['ok', 'ok'])
  expect(result.handoff.status === 'fulfilled' && result.handoff.value.value).toBe(42)
  expect(result.handoff.status === 'fulfilled' && result.handoff.value.epoch).toBeGreaterThan(result.holderEpoch)
})
