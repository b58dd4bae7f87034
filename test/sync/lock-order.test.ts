import { describe, it } from 'vitest'
import { lockSessions } from './lock-harness.js'
import { runOrderScenario, scenarioName, SCENARIOS, SkipClock } from './lock-order-scenario.js'

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
