import { afterEach, describe, expect, it } from 'vitest'
import { seedFromEnv } from '../../helpers/prng.js'
import { openSessions, type SessionPair } from '../../helpers/session-pair.js'
import { nodeDataChannelPair, wrtcDataChannelPair, type DataChannelFramePair } from '../../helpers/webrtc-pair.js'
import {
  abortPendingSend,
  bigMessage,
  bothDirections,
  closeAtOnce,
  halfCloseWhilePeerSends,
  originalScenario,
  readerGivesUp,
  sessionClosedMidway,
  slowConsumer,
  windowHoldsSender,
} from './typed-channel-scenarios.js'

const seed = seedFromEnv()
console.log(`typed-channel-webrtc: SEED=${seed}`)

const stacks = [
  ['node-datachannel', nodeDataChannelPair],
  ['@roamhq/wrtc', wrtcDataChannelPair],
] as const

describe.each(stacks)('typed channel over real WebRTC (%s)', (_name, connect) => {
  let teardown: Array<() => Promise<void>> = []
  afterEach(async () => {
    for (const close of teardown.reverse()) await close()
    teardown = []
  })

  async function sessions(): Promise<SessionPair> {
    const frames: DataChannelFramePair = await connect()
    teardown.push(() => frames.close())
    const pair = await openSessions([frames.a, frames.b])
    teardown.push(() => pair.close())
    return pair
  }

  it("runs the original's scenario and 1,000 values each way at once, in order", async () => {
    const pair = await sessions()
    await originalScenario(pair)
    await bothDirections(pair)
  })

  it('carries a 4 MiB Uint8Array intact', async () => {
    await bigMessage(await sessions(), seed)
  })

  it('holds the sender to a slow reader and delivers exactly a window to a reader that does not read', async () => {
    const pair = await sessions()
    const slow = await slowConsumer(pair, {
      window: 8,
      count: 100,
      value: (i) => ({ i }),
      weight: 9,
      takeDelay: () => new Promise((resolve) => setTimeout(resolve, 1)),
    })
    expect(slow.maxMessages).toBeLessThanOrEqual(8)
    expect(slow.maxAhead).toBe(8)
    await windowHoldsSender(pair, 6)
  })

  it('closes cleanly: both at once, half-close while the peer sends, break and dispose', async () => {
    const pair = await sessions()
    await closeAtOnce(pair)
    await halfCloseWhilePeerSends(pair)
    await readerGivesUp(pair, 'break')
    await readerGivesUp(pair, 'dispose')
    await abortPendingSend(pair)
  })

  it('rejects pending sends and reads with NetError when the session closes', async () => {
    await sessionClosedMidway(await sessions(), 'follower')
  })
})
