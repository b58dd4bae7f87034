import { describe, expect, it } from 'vitest'
import { memorySessions } from '../../helpers/session-pair.js'
import { lockSessions } from './lock-harness.js'
import { runOrderScenario, scenarioName, SCENARIOS, SkipClock } from './lock-order-scenario.js'
import { sessionCore } from '../../../src/session.js'

describe('locks are first-come first-served in real time (memory pair, 5 ms latency)', () => {
  for (const scenario of SCENARIOS) {
    it(`A1, B1 50 ms later, A2 50 ms later: granted A1, B1, A2 — ${scenarioName(scenario)}`, async () => {
      const clock = new SkipClock()
      const pair = await lockSessions({ latencyMs: 5 }, { now: clock.now })
      try {
        await runOrderScenario(pair, clock, scenario, 'order')
      } finally {
        await pair.close()
      }
    })
  }
})

describe('locks between clocks minutes apart', () => {
  for (const ahead of ['leader', 'follower'] as const) {
    it(`before the follower has a clock estimate (clockBurst 0), both sides hand over without a protocol error — the ${ahead}'s clock 2 minutes ahead`, async () => {
      // Two machines whose clocks differ by minutes (a laptop back from sleep reads timeOrigin +
      // performance.now() minutes behind the wall clock). Without an estimate the follower's
      // `now()` is its own clock; heartbeats are a minute apart here, so no estimate comes.
      const skewed = (): number => performance.timeOrigin + performance.now() + 120_000
      const options = { clockBurst: 0, heartbeatMs: 60_000, timeoutMs: 120_000 }
      const pair = await memorySessions(
        { latencyMs: 1 },
        { leader: { ...options, ...(ahead === 'leader' ? { now: skewed } : {}) }, follower: { ...options, ...(ahead === 'follower' ? { now: skewed } : {}) } },
      )
      try {
        expect(pair.follower.clock.errorBoundMs).toBe(Infinity)
        const a = pair.leader.mutex<number>('m', { initial: 0 })
        const b = pair.follower.mutex<number>('m')
        for (let i = 0; i < 3; i++) {
          await b.withLock((g) => void (g.value += 1))
          await a.withLock((g) => void (g.value += 1))
        }
        expect(sessionCore(pair.leader).closedReason).toBeUndefined()
        expect(sessionCore(pair.follower).closedReason).toBeUndefined()
        expect(a.peek()).toBe(6)
      } finally {
        await pair.close()
      }
    })
  }
})
