/**
 * syncStart agreement under abort over the memory pair (the same suite runs over WebRTC in
 * test/ops/one-shot/abort-agreement-webrtc.test.ts).
 */
import { afterEach } from 'vitest'
import { memoryPair } from '../../../src/transport/memory.js'
import { openGatedSessions, type GatedSessionPair } from '../../helpers/gated-channel.js'
import { shiftableClocks, syncStartAbortScenarios, type ShiftablePair } from './sync-start-abort-scenarios.js'

let open: GatedSessionPair[] = []
afterEach(async () => {
  await Promise.all(open.map((p) => p.close()))
  open = []
})

syncStartAbortScenarios(async (): Promise<ShiftablePair> => {
  const { shiftClock, options } = shiftableClocks()
  const pair = await openGatedSessions(memoryPair({ latencyMs: 0.3 }), options)
  open.push(pair)
  return { pair, shiftClock }
})
