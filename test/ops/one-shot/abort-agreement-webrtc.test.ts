/**
 * Agreement under abort over a real WebRTC DataChannel in one Node process (node-datachannel,
 * loopback only): the interleaving suites of the memory-pair tests for join, tryJoin, select,
 * trySelect, exchange and syncStart, and a seeded randomized run.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { openGatedSessions, type GatedSessionPair } from '../../helpers/gated-channel.js'
import { prng, seedFromEnv } from '../../helpers/prng.js'
import { nodeDataChannelPair, type FrameChannelPair } from '../../helpers/webrtc-pair.js'
import { shiftableClocks, syncStartAbortScenarios } from '../sync-start/sync-start-abort-scenarios.js'
import { abortAgreementScenarios } from './abort-agreement-scenarios.js'
import { randomAbortRuns, randomReuseRuns } from './abort-agreement-random.js'
import { exchangeAbortScenarios } from './exchange-abort-scenarios.js'

const seed = seedFromEnv()
console.log(`abort agreement over WebRTC: SEED=${seed}`)
const random = prng(seed)

let frames: FrameChannelPair
let pair: GatedSessionPair
// Shiftable clocks and no heartbeats, for the syncStart suite; the other suites do not mind.
const clocks = shiftableClocks()
beforeAll(async () => {
  frames = await nodeDataChannelPair()
  pair = await openGatedSessions([frames.a, frames.b], clocks.options)
})
afterAll(async () => {
  await pair.close()
  await frames.close()
})

describe('over node-datachannel', () => {
  const getPair = () => Promise.resolve(pair)
  abortAgreementScenarios(getPair)
  exchangeAbortScenarios(getPair)
  syncStartAbortScenarios(() => Promise.resolve({ pair, shiftClock: clocks.shiftClock }))

  it('300 random one-shot operations, either side or both aborting at random moments: both sides agree every time', async () => {
    const runs = 300
    const cancelPaths = await randomAbortRuns(pair, random, runs, 30, 'webrtc')
    console.log(`random aborts over WebRTC: ${cancelPaths} of ${runs} runs took the cancel path`)
    expect(cancelPaths).toBeGreaterThan(runs / 20)
  })

  it('10 keys, each reused by 10 random operations in a row: both sides agree on every pair of calls', async () => {
    await randomReuseRuns(pair, random, 10, 10, 'webrtc')
  })
})
