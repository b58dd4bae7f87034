import { describe, expect, test } from 'vitest'
import {
  ClockFilter,
  type ClockSample,
  isValidSample,
  localToRemote,
  remoteToLocal,
  sampleOffset,
  sampleRtt,
} from '../../src/clock/clock-math.js'
import { prng } from '../helpers/prng.js'
import { constant, probe } from './clock-sim.js'


describe('sample math', () => {
  test('offset and rtt of a symmetric exchange are exact', () => {
    const s = probe(1000, 0.4, 0.1, 0.4, constant(12_345.678))
    expect(sampleOffset(s)).toBeCloseTo(12_345.678, 9)
    expect(sampleRtt(s)).toBeCloseTo(0.8, 9)
  })

  test('asymmetric legs shift the offset by half their difference, within rtt/2', () => {
    const s = probe(1000, 3, 0.5, 1, constant(-777.25))
    expect(sampleOffset(s) - -777.25).toBeCloseTo(1, 9)
    expect(sampleRtt(s)).toBeCloseTo(4, 9)
  })

  test('rtt is clamped at 0 when the remote hold reads longer than the round trip', () => {
    expect(sampleRtt({ t0: 10, t1: 100, t2: 100.3, t3: 10.2 })).toBe(0)
  })

  test('impossible samples are invalid', () => {
    expect(isValidSample({ t0: 1, t1: 2, t2: 3, t3: 4 })).toBe(true)
    expect(isValidSample({ t0: 5, t1: 2, t2: 3, t3: 4 })).toBe(false) // t3 < t0
    expect(isValidSample({ t0: 1, t1: 3, t2: 2, t3: 4 })).toBe(false) // t2 < t1
    expect(isValidSample({ t0: 1, t1: Number.NaN, t2: 3, t3: 4 })).toBe(false)
    expect(isValidSample({ t0: 1, t1: 2, t2: Number.POSITIVE_INFINITY, t3: 4 })).toBe(false)
  })

  test('local/remote mapping round-trips', () => {
    expect(remoteToLocal(localToRemote(1234.5, -77.25), -77.25)).toBe(1234.5)
    expect(localToRemote(100, 5)).toBe(105)
  })
})

describe('ClockFilter', () => {
  test('empty filter has no estimate; invalid samples are rejected and change nothing', () => {
    const f = new ClockFilter()
    expect(f.estimate()).toBeUndefined()
    expect(f.add({ t0: 5, t1: 2, t2: 3, t3: 4 })).toBe(false)
    expect(f.add({ t0: 1, t1: Number.NaN, t2: 3, t3: 4 })).toBe(false)
    expect(f.size).toBe(0)
    expect(f.estimate()).toBeUndefined()
  })

  test('reports the minimum-RTT sample with errorBound rtt/2', () => {
    const f = new ClockFilter()
    const theta = constant(500)
    f.add(probe(0, 2, 0.1, 1, theta))
    f.add(probe(10, 0.3, 0.1, 0.2, theta)) // smallest rtt
    f.add(probe(20, 1, 0.1, 1, theta))
    const est = f.estimate()
    expect(est).toMatchObject({ samples: 3, at: 10.6 })
    expect(est?.rttMs).toBeCloseTo(0.5, 9)
    expect(est?.errorBoundMs).toBeCloseTo(0.25, 9)
    expect(est?.offsetMs).toBeCloseTo(500.05, 9)
  })

  test('large-RTT outliers are ignored, however skewed', () => {
    const random = prng(1)
    const f = new ClockFilter()
    const theta = constant(-3000)
    for (let i = 0; i < 60; i++) {
      const outlier = i % 3 === 0
      const d1 = outlier ? 20 + 80 * random() : 0.25 + 0.01 * random()
      f.add(probe(i * 100, d1, 0.05, 0.25 + 0.01 * random(), theta))
    }
    const est = f.estimate()
    expect(est?.rttMs).toBeLessThan(0.6)
    expect(Math.abs((est?.offsetMs ?? Number.NaN) - -3000)).toBeLessThan(0.01)
  })

  test('ties go to the newer sample', () => {
    const f = new ClockFilter()
    f.add(probe(0, 0.5, 0, 0.5, constant(1)))
    f.add(probe(100, 0.5, 0, 0.5, constant(2)))
    expect(f.estimate()?.offsetMs).toBeCloseTo(2, 9)
  })

  test('keeps at most maxSamples', () => {
    const f = new ClockFilter({ maxSamples: 4 })
    f.add(probe(0, 0.1, 0, 0.1, constant(7))) // best, but pushed out by count
    for (let i = 1; i <= 4; i++) f.add(probe(i, 1, 0, 1, constant(9)))
    expect(f.size).toBe(4)
    expect(f.estimate()?.offsetMs).toBeCloseTo(9, 9)
  })

  test('drops samples older than maxAgeMs before the newest one', () => {
    const f = new ClockFilter({ maxAgeMs: 1000 })
    f.add(probe(0, 0.1, 0, 0.1, constant(7)))
    f.add(probe(900, 1, 0, 1, constant(9)))
    expect(f.estimate()?.offsetMs).toBeCloseTo(7, 9)
    f.add(probe(1500, 1, 0, 1, constant(9)))
    expect(f.size).toBe(2)
    expect(f.estimate()?.offsetMs).toBeCloseTo(9, 9)
    expect(f.add(probe(100, 0.1, 0, 0.1, constant(7)))).toBe(false) // late and already too old
  })

  test('clear() forgets everything', () => {
    const f = new ClockFilter()
    f.add(probe(0, 0.1, 0, 0.1, constant(7)))
    f.clear()
    expect(f.size).toBe(0)
    expect(f.estimate()).toBeUndefined()
  })

  test('a drifting clock is followed because old samples age out', () => {
    const rate = 1e-4 // 100 ppm, exaggerated so that 300 s of drift is 30 ms
    const theta = (t: number) => 250 + rate * t
    const random = prng(7)
    const following = new ClockFilter({ maxAgeMs: 10_000 })
    const pinned = new ClockFilter({ maxAgeMs: Number.POSITIVE_INFINITY, maxSamples: 1e9 })
    const add = (s: ClockSample) => [following, pinned].forEach((f) => f.add(s))
    for (let i = 0; i < 16; i++) add(probe(i * 0.3, 0.1, 0.02, 0.1, theta)) // burst at open: best rtt
    let t = 0
    for (let i = 1; i <= 300; i++) {
      t = i * 1000
      add(probe(t, 0.4 + random(), 0.05, 0.4 + random(), theta)) // heartbeats: worse rtt
    }
    const errorOf = (f: ClockFilter) => Math.abs((f.estimate()?.offsetMs ?? Number.NaN) - theta(t))
    expect(errorOf(following)).toBeLessThan(1.5 + rate * 10_000)
    expect(errorOf(pinned)).toBeGreaterThan(25)
  })

  test('with driftRate, a fresher sample wins once the old one has aged past it', () => {
    const f = new ClockFilter({ driftRate: 1e-4 })
    const theta = constant(0)
    f.add(probe(0, 0.1, 0, 0.1, theta)) // bound 0.1 + 1e-4 × age
    f.add(probe(1000, 0.5, 0, 0.5, theta)) // bound 0.5
    expect(f.estimate()?.at).toBeCloseTo(0.2, 9)
    f.add(probe(5000, 0.5, 0, 0.5, theta)) // old bound now 0.6 > 0.5
    expect(f.estimate()?.at).toBeCloseTo(5001, 9)
    expect(f.estimate()?.errorBoundMs).toBeCloseTo(0.5 + 1e-4 * 1, 9)
    expect(f.estimate(6001)?.errorBoundMs).toBeCloseTo(0.5 + 1e-4 * 1001, 9)
  })

  test('the drift allowance counts from when the probe was sent, not when the reply came', () => {
    // Worst case: all delay on the reply leg, and the remote clock running fast. The estimate is
    // off by rtt/2 plus the drift since t0; counting from t3 would understate it by rate × rtt.
    const rate = 1e-3
    const f = new ClockFilter({ driftRate: rate })
    f.add(probe(0, 0, 0, 100, (t) => rate * t))
    const est = f.estimate(1000)
    expect(Math.abs((est?.offsetMs ?? Number.NaN) - rate * 1000)).toBeCloseTo(51, 9)
    expect(est?.errorBoundMs).toBeCloseTo(51, 9)
  })
})
