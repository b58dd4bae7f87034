/**
 * Agreement under abort, over the memory pair: join, tryJoin, select, trySelect and exchange in
 * every interleaving of an abort with the peer's progress (the same suite runs over WebRTC in
 * abort-agreement-webrtc.test.ts).
 */
import { afterEach } from 'vitest'
import { memoryPair } from '../../../src/transport/memory.js'
import { openGatedSessions, type GatedSessionPair } from '../../helpers/gated-channel.js'
import { prng, seedFromEnv } from '../../helpers/prng.js'
import { abortAgreementScenarios } from './abort-agreement-scenarios.js'
import { exchangeAbortScenarios } from './exchange-abort-scenarios.js'

const seed = seedFromEnv()
console.log(`abort agreement over memory pairs: SEED=${seed}`)
const random = prng(seed)

let open: GatedSessionPair[] = []
afterEach(async () => {
  await Promise.all(open.map((p) => p.close()))
  open = []
})

async function memoryGatedPair(): Promise<GatedSessionPair> {
  const p = await openGatedSessions(memoryPair({ latencyMs: 1, jitterMs: 1, random }))
  open.push(p)
  return p
}

abortAgreementScenarios(memoryGatedPair)
exchangeAbortScenarios(memoryGatedPair)
