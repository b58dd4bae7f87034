// How soon a page must notice that its peer went away, judged by what the page itself can see:
// when it last heard from the peer, and how late its own timers ran meanwhile (a busy machine
// delays this page's heartbeat ticks; that must not fail the test, and nothing else may).
import type { Page } from '@playwright/test'

/** How often the probe looks (ms). */
const PROBE_MS = 20

export interface SilenceReport {
  /**
   * `performance.timeOrigin + performance.now()` of the probe tick that saw the last frame from
   * the peer arrive: at most one probe gap after it really arrived, never before.
   */
  lastHeardAt: number
  /** How much later than asked this page's probe ticks ran, in total (ms). */
  lateMs: number
  /** The longest gap between two probe ticks (ms). */
  maxGapMs: number
}

declare global {
  interface Window {
    netbeamSilenceProbe?: { read(): SilenceReport }
  }
}

/** The page's session frame counter: the demo's hook, the primitives page's or the resume page's. */
export type FramesSource = 'demo' | 'prims' | 'resumable'

/** Starts watching the page's session and timers; {@link readSilenceProbe} stops and reports. */
export async function startSilenceProbe(page: Page, source: FramesSource): Promise<void> {
  await page.evaluate(
    ({ source, intervalMs }) => {
      const frames = (): number =>
        source === 'demo' ? (window.demo.snapshot().net?.stats.framesReceived ?? -1) : window[source].stats().framesReceived
      const wallNow = (): number => performance.timeOrigin + performance.now()
      let seen = frames()
      let lastHeardAt = wallNow()
      let last = performance.now()
      let lateMs = 0
      let maxGapMs = 0
      const timer = setInterval(() => {
        const now = performance.now()
        lateMs += Math.max(0, now - last - intervalMs)
        maxGapMs = Math.max(maxGapMs, now - last)
        last = now
        const count = frames()
        if (count !== seen) {
          seen = count
          lastHeardAt = wallNow()
        }
      }, intervalMs)
      window.netbeamSilenceProbe = {
        read() {
          clearInterval(timer)
          return { lastHeardAt, lateMs, maxGapMs }
        },
      }
    },
    { source, intervalMs: PROBE_MS },
  )
}

export async function readSilenceProbe(page: Page): Promise<SilenceReport> {
  const report = await page.evaluate(() => window.netbeamSilenceProbe?.read())
  if (report === undefined) throw new Error('startSilenceProbe() first')
  return report
}

/**
 * How long after the peer was last heard (`probe.lastHeardAt`), at the least and at the most, a
 * session with these options declares it gone (a `timeout`; a peer that says goodbye is noticed
 * sooner), given what the probe saw.
 *
 * The session counts silence on its heartbeat ticks, from the last frame, at most one interval
 * per tick, and gives up once the count exceeds `timeoutMs`. The window allows one interval less
 * (it predates counting from the last frame; a lower bound stays true when the close comes
 * later). At most `timeoutMs + heartbeatMs` after it, plus however late the ticks
 * ran. Each of those ticks runs late by at most what the probe saw of the same thread's stalls,
 * give or take one probe interval (the probe may have ticked just before a stall began).
 */
export function noticeWindow(options: { heartbeatMs: number; timeoutMs: number }, probe: SilenceReport): { atLeastMs: number; atMostMs: number } {
  const ticks = Math.ceil(options.timeoutMs / options.heartbeatMs) + 1
  return {
    atLeastMs: options.timeoutMs - options.heartbeatMs - probe.maxGapMs,
    atMostMs: options.timeoutMs + options.heartbeatMs + probe.lateMs + ticks * PROBE_MS,
  }
}
