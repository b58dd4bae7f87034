// The peer goes away mid-operation: every pending call on the other side rejects with a
// NetError within the heartbeat bound, whether the peer's context closes or its page stalls.
import type { Page } from '@playwright/test'
import { expect, test, type TwoPeers } from './fixtures.js'
import type { PendingReport } from './pages/pending.js'
import { noticeWindow, readSilenceProbe, startSilenceProbe, type SilenceReport } from './silence-probe.js'

test.use({ peerPage: 'primitives.html' })

/** Short, so a silent peer is noticed quickly: declared gone after 1 s without a frame. */
const HEARTBEAT = { heartbeatMs: 200, timeoutMs: 1_000 }
/**
 * The stalled page spins until the test stops it, once the other side has given up on it; this
 * only bounds the spin should the test fail first. Far beyond any time the other side may take.
 */
const STALL_LIMIT_MS = 30_000
const PENDING_OPS = ['join', 'tryJoin', 'select', 'trySelect', 'exchange', 'channel read', 'mutex lock', 'rwlock read', 'syncStart']

/** Opens short-heartbeat sessions; `b` takes both locks so `a`'s lock requests wait; `a` starts watching. */
async function pendingOnA({ a, b }: TwoPeers): Promise<void> {
  await Promise.all([a, b].map((side) => side.page.evaluate((o) => window.prims.open(o), HEARTBEAT)))
  await b.page.evaluate(() => window.prims.holdLocks())
  await a.page.evaluate(() => window.prims.startPending())
  await startSilenceProbe(a.page, 'prims')
}

async function settledReports(page: Page): Promise<PendingReport[]> {
  return page.evaluate(() => window.prims.pending())
}

function summarize(reports: PendingReport[], probe: SilenceReport): string {
  const settled = reports.map((r) => `${r.op}: ${r.error?.code ?? 'resolved'} after ${(r.settledAt - probe.lastHeardAt).toFixed(0)} ms`)
  return `${settled.join('; ')} (after the peer was last heard; this page's timers ran ${probe.lateMs.toFixed(0)} ms late in all, longest gap ${probe.maxGapMs.toFixed(0)} ms)`
}

test('closing one context mid-operation rejects every pending call on the other side', async ({ twoPeers }, testInfo) => {
  await pendingOnA(twoPeers)
  await twoPeers.b.context.close()
  const reports = await settledReports(twoPeers.a.page)
  const probe = await readSilenceProbe(twoPeers.a.page)
  console.log(`[disconnect] context closed: ${summarize(reports, probe)}`)
  testInfo.annotations.push({ type: 'measurement', description: summarize(reports, probe) })
  expect(reports.map((r) => r.op)).toEqual(PENDING_OPS)
  // Closing usually tells the peer at once; at the latest, the heartbeat notices the silence.
  const { atMostMs } = noticeWindow(HEARTBEAT, probe)
  for (const r of reports) {
    expect(r.resolved, r.op).toBe(false)
    expect(r.error?.name, r.op).toBe('NetError')
    expect(['closed', 'timeout'], r.op).toContain(r.error?.code)
    expect(r.settledAt - probe.lastHeardAt, `${r.op}: settled after the peer was last heard (ms)`).toBeLessThanOrEqual(atMostMs)
  }
})

test('a peer that stalls (no close, no heartbeat) is declared gone within the heartbeat bound', async ({ twoPeers }, testInfo) => {
  await pendingOnA(twoPeers)
  const { b } = twoPeers
  const devtools = await b.context.newCDPSession(b.page)
  // The peer's page stops running anything: the data channel stays open, only the silence tells.
  const stalled = b.page
    .evaluate((ms) => {
      const until = Date.now() + ms
      while (Date.now() < until) {
        // busy: no task, timer or message handler runs on this page meanwhile
      }
    }, STALL_LIMIT_MS)
    .catch(() => {}) // ends when the test stops it
  const reports = await settledReports(twoPeers.a.page)
  const probe = await readSilenceProbe(twoPeers.a.page)
  // Stop the spin (closing a page whose thread never yields takes Chromium seconds).
  await devtools.send('Runtime.terminateExecution')
  await stalled
  console.log(`[disconnect] peer stalled: ${summarize(reports, probe)}`)
  testInfo.annotations.push({ type: 'measurement', description: summarize(reports, probe) })
  expect(reports.map((r) => r.op)).toEqual(PENDING_OPS)
  const { atLeastMs, atMostMs } = noticeWindow(HEARTBEAT, probe)
  for (const r of reports) {
    expect(r.resolved, r.op).toBe(false)
    expect(r.error?.code, r.op).toBe('timeout')
    const after = r.settledAt - probe.lastHeardAt
    expect(after, `${r.op}: settled after the peer was last heard (ms)`).toBeLessThanOrEqual(atMostMs)
    expect(after, `${r.op}: settled after the peer was last heard (ms)`).toBeGreaterThan(atLeastMs)
  }
})
