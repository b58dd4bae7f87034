import { afterEach, expect, it } from 'vitest'
import { probeChannel, type ChannelProbe } from '../../helpers/channel-probe.js'
import { openSessions, type SessionPair } from '../../helpers/session-pair.js'
import { rawNodeDataChannelPair } from '../../helpers/webrtc-pair.js'

interface PathApi {
  echo(n: number): number
  /** Runs until its signal aborts. */
  hang(i: number): void
}

let teardown: Array<() => Promise<void>> = []
afterEach(async () => {
  for (const close of teardown.reverse()) await close()
  teardown = []
})

async function probedSessions(): Promise<{ pair: SessionPair; caller: ChannelProbe; callee: ChannelProbe }> {
  const probes: Partial<Record<'a' | 'b', ReturnType<typeof probeChannel>>> = {}
  const raw = await rawNodeDataChannelPair({ onChannel: (side, dc) => (probes[side] = probeChannel(dc)) })
  teardown.push(() => raw.close())
  // No heartbeat in the window: every send counted is the call's.
  const quiet = { heartbeatMs: 60_000, timeoutMs: 120_000 }
  const pair = await openSessions([probes.a!.channel, probes.b!.channel], { leader: quiet, follower: quiet })
  teardown.push(() => pair.close())
  return { pair, caller: probes.a!.probe, callee: probes.b!.probe }
}

// A call's latency is the network's round trip plus the work on its critical path, and a cancel's
// is one one-way trip plus that work; any timer, macrotask, microtask or batching hop on the path
// would add a scheduling delay to every call (the bench's "rpc call latency" and "rpc cancel
// reaching the handler" rows). Checked by structure, not by timing.
it('a call over node-datachannel: one send each way, each made inside the call or the message that causes it', async () => {
  const { pair, caller, callee } = await probedSessions()
  pair.follower.rpc<PathApi>('path').handle({ echo: (n) => n, hang: () => undefined })
  const api = pair.leader.rpc<PathApi>('path')
  for (let i = 0; i < 20; i++) {
    const before = { caller: { ...caller }, callee: { ...callee } }
    const calling = api.call.echo(i)
    const callSent = caller.sends - before.caller.sends
    expect(await calling).toBe(i)
    expect({ call: i, callSent, answerSent: callee.sends - before.callee.sends }).toEqual({ call: i, callSent: 1, answerSent: 1 })
    expect(callee.sendsInsideMessage - before.callee.sendsInsideMessage, `call ${i}: the answer went out while handling the call`).toBe(1)
    expect(caller.macrotaskSinceMessage, `call ${i}: the result arrived in the answer's own task`).toBe(false)
  }
})

it('a cancel over node-datachannel: one send, made inside abort(); the handler’s signal aborts inside its dispatch; nothing comes back', async () => {
  const { pair, caller, callee } = await probedSessions()
  let started: (() => void) | undefined
  /** Told, when the handler's signal aborts, whether the callee's channel was dispatching a message. */
  let aborted: ((inside: boolean) => void) | undefined
  pair.follower.rpc<PathApi>('path').handle({
    echo: (n) => n,
    hang: (_, { signal }) =>
      new Promise<void>((_resolve, reject) => {
        signal.addEventListener('abort', () => {
          aborted?.(callee.inside)
          reject(signal.reason as Error)
        })
        started?.()
      }),
  })
  const api = pair.leader.rpc<PathApi>('path')
  for (let i = 0; i < 20; i++) {
    const handlerAborted = new Promise<boolean>((resolve) => (aborted = resolve))
    const running = new Promise<void>((resolve) => (started = resolve))
    const controller = new AbortController()
    const call = api.call.hang(i, { signal: controller.signal }).then(
      () => 'resolved',
      (err: unknown) => (err as { code?: string }).code,
    )
    await running
    const before = { caller: { ...caller }, callee: { ...callee } }
    controller.abort()
    const cancelSent = caller.sends - before.caller.sends
    expect(await call).toBe('aborted')
    expect(await handlerAborted, `call ${i}: the handler's signal aborted while the cancel was handled`).toBe(true)
    // A round trip on the same channel after it: whatever the callee sent for the cancel has come
    // by then, and its one send is this echo's answer.
    expect(await api.call.echo(i)).toBe(i)
    expect({ call: i, cancelSent, calleeSent: callee.sends - before.callee.sends }).toEqual({ call: i, cancelSent: 1, calleeSent: 1 })
  }
})
