import { afterEach, expect, it } from 'vitest'
import { probeChannel } from '../../helpers/channel-probe.js'
import { openSessions } from '../../helpers/session-pair.js'
import { rawNodeDataChannelPair } from '../../helpers/webrtc-pair.js'

let teardown: Array<() => Promise<void>> = []
afterEach(async () => {
  for (const close of teardown.reverse()) await close()
  teardown = []
})

// The hand-off's latency is the network's round trip plus the work on its critical path; any
// timer, macrotask or batching hop on that path would add a scheduling delay to every hand-off
// (the bench's "mutex hand-off" row). Checked by structure, not by timing.
it('a hand-off over node-datachannel: one send each way, each made inside the call or the message that causes it', async () => {
  const probes: Partial<Record<'a' | 'b', ReturnType<typeof probeChannel>>> = {}
  const raw = await rawNodeDataChannelPair({ onChannel: (side, dc) => (probes[side] = probeChannel(dc)) })
  const a = probes.a!
  const b = probes.b!
  teardown.push(() => raw.close())
  // No heartbeat in the window: every send counted is the lock's.
  const quiet = { heartbeatMs: 60_000, timeoutMs: 120_000 }
  const pair = await openSessions([a.channel, b.channel], { leader: quiet, follower: quiet })
  teardown.push(() => pair.close())
  const sides = [
    { mutex: pair.leader.mutex<number>('handoff', { initial: 0 }), probe: a.probe },
    { mutex: pair.follower.mutex<number>('handoff'), probe: b.probe },
  ] as const
  // One hand-off each way first: both hellos have arrived, and the token is back at the leader.
  await sides[1].mutex.withLock(() => {})
  await sides[0].mutex.withLock(() => {})

  // Turn i locks on side i % 2; turn 0 is the leader's, which holds the token: no message.
  for (let i = 0; i < 20; i++) {
    const requester = sides[i % 2]!
    const holder = sides[(i + 1) % 2]!
    const before = { requester: { ...requester.probe }, holder: { ...holder.probe } }
    const locking = requester.mutex.lock()
    const requestSent = requester.probe.sends - before.requester.sends
    const guard = await locking
    const handedOff = i > 0
    expect({ turn: i, requestSent, grantSent: holder.probe.sends - before.holder.sends }).toEqual({
      turn: i,
      requestSent: handedOff ? 1 : 0,
      grantSent: handedOff ? 1 : 0,
    })
    if (handedOff) {
      expect(holder.probe.sendsInsideMessage - before.holder.sendsInsideMessage, `turn ${i}: the grant went out while handling the request`).toBe(1)
      expect(requester.probe.macrotaskSinceMessage, `turn ${i}: the guard arrived in the token's own task`).toBe(false)
    }
    guard.value = i
    await guard.release()
  }
  expect(await sides[0].mutex.withLock((g) => g.value)).toBe(19)
})
