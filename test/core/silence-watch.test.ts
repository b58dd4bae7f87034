import { afterEach, beforeEach, expect, it, vi } from 'vitest'
import type { NetError } from '../../src/base/errors.js'
import { SilenceWatch } from '../../src/core/silence-watch.js'

beforeEach(() => {
  vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval', 'performance'] })
})
afterEach(() => {
  vi.useRealTimers()
})

function watch(intervalMs: number, timeoutMs: number): { watch: SilenceWatch; timeouts: NetError[] } {
  const timeouts: NetError[] = []
  const w = new SilenceWatch(intervalMs, timeoutMs, () => undefined, (reason) => timeouts.push(reason))
  w.start()
  w.opened()
  return { watch: w, timeouts }
}

it('counts silence from the last frame, not from the tick before it', () => {
  const { watch: w, timeouts } = watch(100, 250)
  vi.advanceTimersByTime(90)
  w.heard()
  // Ticks at 100, 200, 300: 210 ms of silence at the last one, under the 250 ms bound.
  vi.advanceTimersByTime(210)
  expect(timeouts).toEqual([])
  vi.advanceTimersByTime(100)
  expect(timeouts.map((t) => [t.code, t.message])).toEqual([['timeout', 'the peer has been silent for 310 ms']])
  w.stop()
})

it('a frame in every interval keeps the session open however long it runs', () => {
  const { watch: w, timeouts } = watch(100, 150)
  for (let i = 0; i < 50; i++) {
    vi.advanceTimersByTime(99)
    w.heard()
  }
  vi.advanceTimersByTime(100)
  expect(timeouts).toEqual([])
  w.stop()
})

it('awaitPeer: silence no longer times out, heartbeats go on, and the next frame calls back once', () => {
  const timeouts: NetError[] = []
  let ticks = 0
  let backs = 0
  const w = new SilenceWatch(100, 250, () => ticks++, (reason) => timeouts.push(reason))
  w.start()
  w.opened()
  vi.advanceTimersByTime(300)
  expect(timeouts).toHaveLength(1)
  w.awaitPeer(() => backs++)
  const ticksBefore = ticks
  vi.advanceTimersByTime(1000)
  expect(timeouts).toHaveLength(1)
  expect(ticks - ticksBefore).toBe(10)
  w.heard()
  w.heard()
  expect(backs).toBe(1)
  w.stop()
})

it('start after stop counts silence afresh (a resumed session does not time out on its first tick)', () => {
  const { watch: w, timeouts } = watch(100, 250)
  vi.advanceTimersByTime(300)
  expect(timeouts).toHaveLength(1)
  w.stop()
  w.start()
  vi.advanceTimersByTime(200)
  expect(timeouts).toHaveLength(1)
  w.stop()
})
