import { afterEach, describe, expect, test, vi } from 'vitest'
import { NetError, isNetError } from '../../src/base/errors.js'
import { defaultNow } from '../../src/clock/local-clock.js'
import { waitUntil } from '../../src/clock/start-timer.js'

/**
 * A fake clock: `set()` moves it, and every reading also advances it by `step` ms, like a real
 * clock that keeps moving while the spin loop watches it. Timers are faked separately, so the
 * clock and the timer queue can disagree the way they do for real (timers firing early or late).
 */
function fakeClock(start: number, step = 0.01) {
  let t = start
  let readings = 0
  return {
    now: () => {
      readings++
      t += step
      return t
    },
    set: (value: number) => {
      t = value
    },
    get readings() {
      return readings
    },
  }
}

/** An AbortSignal that counts its live abort listeners. */
function countedSignal() {
  const controller = new AbortController()
  let live = 0
  const { signal } = controller
  const add = signal.addEventListener.bind(signal)
  const remove = signal.removeEventListener.bind(signal)
  vi.spyOn(signal, 'addEventListener').mockImplementation((...args: Parameters<typeof add>) => {
    live++
    add(...args)
  })
  vi.spyOn(signal, 'removeEventListener').mockImplementation((...args: Parameters<typeof remove>) => {
    live--
    remove(...args)
  })
  return { controller, signal, live: () => live }
}

afterEach(() => {
  vi.useRealTimers()
  vi.restoreAllMocks()
})

describe('waitUntil with a fake clock and fake timers', () => {
  test('sleeps until spinMs before the target, then spins to it and reports the lateness', async () => {
    vi.useFakeTimers()
    const clock = fakeClock(1000, 0.5)
    const { signal, live } = countedSignal()
    const done = waitUntil(1100, { now: clock.now, spinMs: 3, signal })
    expect(vi.getTimerCount()).toBe(1)
    expect(live()).toBe(1)
    clock.set(1098.25) // the timer fires ~2 ms before the target, as asked
    vi.runOnlyPendingTimers()
    // Readings 1098.75 (the timer's), then 1099.25, 1099.75, 1100.25: the first reading at or
    // past the target ends the spin, and how far past it is the lateness.
    expect(await done).toBe(0.25)
    expect(vi.getTimerCount()).toBe(0)
    expect(live()).toBe(0)
  })

  test('a timer that fires too early is re-armed instead of spinning for long', async () => {
    vi.useFakeTimers()
    const clock = fakeClock(0)
    const done = waitUntil(100, { now: clock.now, spinMs: 3 })
    clock.set(50) // the event loop's clock ran ahead of ours
    vi.runOnlyPendingTimers()
    expect(vi.getTimerCount()).toBe(1)
    const readings = clock.readings
    clock.set(99)
    vi.runOnlyPendingTimers()
    await expect(done).resolves.toBeLessThan(0.01) // stopped at the first reading past the target
    expect(clock.readings - readings).toBeLessThan(200) // spun ~1 ms in 0.01 ms steps, not 50 ms
    expect(vi.getTimerCount()).toBe(0)
  })

  test('a target already past resolves at once with how late it is', async () => {
    vi.useFakeTimers()
    const clock = fakeClock(500, 0)
    await expect(waitUntil(480, { now: clock.now })).resolves.toBe(20)
    expect(vi.getTimerCount()).toBe(0)
  })

  test('abort before the call rejects with NetError aborted and arms nothing', async () => {
    vi.useFakeTimers()
    const { controller, signal, live } = countedSignal()
    controller.abort()
    const err: unknown = await waitUntil(100, { now: fakeClock(0).now, signal }).catch((e: unknown) => e)
    expect(isNetError(err, 'aborted')).toBe(true)
    expect(vi.getTimerCount()).toBe(0)
    expect(live()).toBe(0)
  })

  test('abort while waiting rejects, clears the timer and removes the listener', async () => {
    vi.useFakeTimers()
    const { controller, signal, live } = countedSignal()
    const reason = new Error('user gave up')
    const done = waitUntil(100, { now: fakeClock(0).now, signal })
    expect(vi.getTimerCount()).toBe(1)
    controller.abort(reason)
    const err: unknown = await done.catch((e: unknown) => e)
    expect(err).toBeInstanceOf(NetError)
    expect(err).toMatchObject({ code: 'aborted', cause: reason })
    expect(vi.getTimerCount()).toBe(0)
    expect(live()).toBe(0)
  })

  test('an abort reason that already is a NetError is passed through', async () => {
    vi.useFakeTimers()
    const controller = new AbortController()
    const reason = new NetError('closed', 'session closed')
    const done = waitUntil(100, { now: fakeClock(0).now, signal: controller.signal })
    controller.abort(reason)
    await expect(done).rejects.toBe(reason)
  })

  test('a non-finite target and a clock returning NaN are usage errors', async () => {
    vi.useFakeTimers()
    await expect(waitUntil(Number.NaN)).rejects.toMatchObject({ code: 'usage' })
    await expect(waitUntil(0, { now: () => Number.NaN })).rejects.toMatchObject({ code: 'usage' })
    expect(vi.getTimerCount()).toBe(0)
  })

  test('a frozen clock under frozen Date (fake timers) still ends the spin, by iteration count', async () => {
    vi.useFakeTimers()
    await expect(waitUntil(6, { now: () => 5 })).rejects.toMatchObject({ code: 'usage' })
  })
})

describe('waitUntil with real time', () => {
  test('a clock that never advances while spinning rejects instead of hanging', async () => {
    const err: unknown = await waitUntil(6, { now: () => 5, spinMs: 3 }).catch((e: unknown) => e)
    expect(isNetError(err, 'usage')).toBe(true)
    expect((err as Error).message).toMatch(/stopped advancing/)
  })

  // By this test's own clock reading once the wait is over: it never ended early, and the lateness
  // it reported is no more than the test itself saw (a busy machine only makes both larger).
  test('never resolves before the target, and the reported lateness is honest', async () => {
    for (let i = 0; i < 10; i++) {
      const target = defaultNow() + 5 + i
      const lateness = await waitUntil(target)
      const after = defaultNow()
      expect(after).toBeGreaterThanOrEqual(target)
      expect(lateness).toBeLessThanOrEqual(after - target)
    }
  })

  test('also with spinMs 0 (the timer alone, re-armed until due: Node timers fire early)', async () => {
    const target = defaultNow() + 5
    const lateness = await waitUntil(target, { spinMs: 0 })
    const after = defaultNow()
    expect(after).toBeGreaterThanOrEqual(target)
    expect(lateness).toBeLessThanOrEqual(after - target)
  })
})
