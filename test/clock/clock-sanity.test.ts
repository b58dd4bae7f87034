import { describe, expect, it } from 'vitest'
import { defaultNow } from '../../src/clock/local-clock.js'
import { implausibleSample, isValidSample, MAX_CLOCK_OFFSET_MS } from '../../src/clock/clock-math.js'
import { sessionCore } from '../../src/session.js'
import { openRawVictim } from '../helpers/fake-data-channel.js'

const DAY = 86_400_000

/** Pong stamps `[t1, t2]` no real peer clock produces, each relative to the local clock now. */
const hostile: [string, () => [number, number]][] = [
  ['near +1.7e308', () => [1.7e308, 1.7e308]],
  ['near −1.7e308', () => [-1.7e308, -1.7e308]],
  ['one +1.7e308, one −1.7e308', () => [-1.7e308, 1.7e308]],
  ['2^53 ms (beyond a safe integer)', () => [2 ** 53, 2 ** 53]],
  ['two days ahead', () => [defaultNow() + 2 * DAY, defaultNow() + 2 * DAY]],
  ['two days behind', () => [defaultNow() - 2 * DAY, defaultNow() - 2 * DAY]],
  ['a reply sent before the probe arrived', () => [defaultNow(), defaultNow() - 10]],
  ['a hold of 10 s (a round trip of about −10 s)', () => [defaultNow(), defaultNow() + 10_000]],
]

describe('clock samples from a hostile peer, over the DataChannel adapter', () => {
  it.each(hostile)('a pong with stamps %s closes the session with protocol; the clock stays finite', async (_, stamps) => {
    const victim = await openRawVictim({ heartbeatMs: 20, timeoutMs: 5000 })
    const hostileSent = new Promise<void>((resolve) => {
      victim.stamps = () => {
        resolve()
        return stamps()
      }
    })
    await hostileSent // the next heartbeat ping got the hostile pong
    await victim.settled()
    const reason = sessionCore(victim.session).closedReason
    expect(reason?.code, `still open; offset ${victim.session.clock.offsetMs}, now() ${victim.session.now()}`).toBe('protocol')
    expect(reason?.message).toMatch(/peer sent a (malformed pong|clock sample)/)
    expect(Number.isFinite(victim.session.clock.offsetMs)).toBe(true)
    expect(Number.isFinite(victim.session.now())).toBe(true)
  })

  it('a peer clock an hour ahead is plausible: the session stays open with the offset it implies', async () => {
    const victim = await openRawVictim({ heartbeatMs: 20, timeoutMs: 5000 })
    const hour = 3_600_000
    const samplesBefore = victim.session.clock.samples
    let answered = 0
    const skewedSent = new Promise<void>((resolve) => {
      victim.stamps = () => {
        if (++answered >= 8) resolve()
        return [defaultNow() + hour, defaultNow() + hour]
      }
    })
    await skewedSent
    await victim.settled()
    expect(victim.session.isClosed).toBe(false)
    expect(victim.session.clock.samples, 'the skewed samples reached the filter').toBeGreaterThan(samplesBefore)
    expect(Number.isFinite(victim.session.now())).toBe(true)
    await victim.session.close()
  })
})

describe('implausibleSample and isValidSample', () => {
  const t0 = 1_700_000_000_000
  it('accepts a real exchange and coarse clocks, refuses what no clock produces', () => {
    expect(implausibleSample({ t0, t1: t0 + 5, t2: t0 + 5, t3: t0 + 1 })).toBeUndefined()
    expect(implausibleSample({ t0, t1: t0 + 100, t2: t0 + 200, t3: t0 + 0 })).toBeUndefined() // 100 ms clock steps
    expect(implausibleSample({ t0, t1: t0 - MAX_CLOCK_OFFSET_MS, t2: t0 - MAX_CLOCK_OFFSET_MS, t3: t0 })).toBeUndefined()
    expect(implausibleSample({ t0, t1: t0 - MAX_CLOCK_OFFSET_MS - 1, t2: t0 - MAX_CLOCK_OFFSET_MS - 1, t3: t0 })).toMatch(/day/)
    expect(implausibleSample({ t0, t1: t0 + MAX_CLOCK_OFFSET_MS + 2, t2: t0 + MAX_CLOCK_OFFSET_MS + 2, t3: t0 + 1 })).toMatch(/day/)
    expect(implausibleSample({ t0, t1: Number.NaN, t2: t0, t3: t0 })).toMatch(/non-finite/)
    expect(implausibleSample({ t0, t1: t0, t2: t0 + 1001, t3: t0 })).toMatch(/negative round-trip/)
  })

  it('never lets a sample with a non-finite offset through', () => {
    expect(isValidSample({ t0: -1.7e308, t1: 1.7e308, t2: 1.7e308, t3: -1.7e308 })).toBe(false)
    expect(isValidSample({ t0, t1: t0, t2: t0, t3: t0 })).toBe(true)
  })
})
