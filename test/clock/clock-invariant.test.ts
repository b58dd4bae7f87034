import { describe, test } from 'vitest'
import { ClockFilter, type ClockSample } from '../../src/clock/clock-math.js'
import { constant, forEachSeed, probe } from './clock-sim.js'

/** Float slack: offsets up to 1e6 ms carry rounding of ~1e-10 ms per operation. */
const EPS = 1e-6

describe('invariant: the true offset lies within errorBound of the estimate', () => {
  /** Random delays: a base, random asymmetry, exponential-ish jitter and rare large outliers. */
  function randomExchange(random: () => number, t0: number, theta: (t: number) => number): ClockSample {
    const base = 0.02 + 5 * random() ** 2
    const leg = () => {
      const jitter = -Math.log(1 - random()) * base * 0.3
      const outlier = random() < 0.05 ? 200 * random() : 0
      return base * (0.2 + 1.6 * random()) + jitter + outlier
    }
    return probe(t0, leg(), 0.5 * random(), leg(), theta)
  }

  test('constant offset, jitter, asymmetry and outliers (many seeded cases)', () => {
    forEachSeed(300, (random) => {
      const trueOffset = (random() - 0.5) * 2e6
      const theta = constant(trueOffset)
      const f = new ClockFilter({ maxSamples: 1 + Math.floor(random() * 64) })
      let t = 1e6 * random()
      for (let i = 0; i < 80; i++) {
        t += random() < 0.2 ? 0 : 1000 * random() // sometimes back to back
        const s = randomExchange(random, t, theta)
        t = s.t3
        f.add(s)
        const est = f.estimate()
        if (est === undefined) throw new Error('no estimate after a valid sample')
        const error = Math.abs(est.offsetMs - trueOffset)
        if (!(error <= est.errorBoundMs + EPS)) {
          throw new Error(`error ${error} > bound ${est.errorBoundMs} after ${i + 1} samples`)
        }
      }
    })
  })

  test('drifting offset, bounded by a configured driftRate (many seeded cases)', () => {
    forEachSeed(300, (random) => {
      const driftRate = 1e-3 * random()
      const rate = (random() * 2 - 1) * driftRate
      const theta0 = (random() - 0.5) * 2e6
      const theta = (t: number) => theta0 + rate * t
      const f = new ClockFilter({ driftRate, maxAgeMs: 1000 + 60_000 * random() })
      let t = 1e6 * random()
      for (let i = 0; i < 80; i++) {
        t += 2000 * random()
        const s = randomExchange(random, t, theta)
        t = s.t3
        f.add(s)
        const later = t + 5000 * random()
        const est = f.estimate(later)
        if (est === undefined) throw new Error('no estimate after a valid sample')
        const error = Math.abs(est.offsetMs - theta(later))
        if (!(error <= est.errorBoundMs + EPS)) {
          throw new Error(`error ${error} > bound ${est.errorBoundMs} at ${later} (rate ${rate})`)
        }
      }
    })
  })
})
