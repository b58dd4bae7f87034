// The peer goes away mid-operation: every pending call on the other side rejects with a
// NetError within the heartbeat bound, whether the peer's context closes or its page stalls.
import type { Page } from '@playwright/test'
import { expect, test, type TwoPeers } from './fixtures.js'
import type { PendingReport } from './pages/pending.js'

test.use({ peerPage: 'primitives.html' })

/** Short, so a silent peer is noticed quickly: declared gone after 1 s without a frame. */
const HEARTBEAT = { heartbeatMs: 200, timeoutMs: 1_000 }
/** Silence is checked on each heartbeat tick; allow one tick plus scheduling on a busy machine. */
const BOUND_MS = HEARTBEAT.timeoutMs + HEARTBEAT.heartbeatMs + 500
const PENDING_OPS = ['join', 'tryJoin', 'select', 'trySelect', 'exchange', 'channel read', 'mutex lock', 'rwlock read', 'syncStart']

/** Opens short-heartbeat sessions; `b` takes both locks so `a`'s lock requests wait. */
async function pendingOnA({ a, b }: TwoPeers): Promise<void> {
  await Promise.all([a, b].map((side) => side.page.evaluate((o) => window.prims.open(o), HEARTBEAT)))
  await b.page.evaluate(() => window.prims.holdLocks())
  await a.page.evaluate(() => window.prims.startPending())
}

async function settledReports(page: Page): Promise<PendingReport[]> {
  return page.evaluate(() => window.prims.pending())
}

function summarize(reports: PendingReport[], since: number): string {
  return reports.map((r) => `${r.op}: ${r.error?.code ?? 'resolved'} after ${(r.settledAt - since).toFixed(0)} ms`).join('; ')
}

test('closing one context mid-operation rejects every pending call on the other side', async ({ twoPeers }, testInfo) => {
  await pendingOnA(twoPeers)
  const closedAt = Date.now()
  await twoPeers.b.context.close()
  const reports = await settledReports(twoPeers.a.page)
  console.log(`[disconnect] context closed: ${summarize(reports, closedAt)}`)
  testInfo.annotations.push({ type: 'measurement', description: summarize(reports, closedAt) })
  expect(reports.map((r) => r.op)).toEqual(PENDING_OPS)
  for (const r of reports) {
    expect(r.resolved, r.op).toBe(false)
    expect(r.error?.name, r.op).toBe('NetError')
    expect(['closed', 'timeout'], r.op).toContain(r.error?.code)
    expect(r.settledAt - closedAt, r.op).toBeLessThan(BOUND_MS)
  }
})

test('a peer that stalls (no close, no heartbeat) is declared gone within the heartbeat bound', async ({ twoPeers }, testInfo) => {
  await pendingOnA(twoPeers)
  // The peer's page stops running anything: the data channel stays open, only the silence tells.
  const stalled = twoPeers.b.page.evaluate((ms) => {
    const until = Date.now() + ms
    while (Date.now() < until) {
      // busy: no task, timer or message handler runs on this page meanwhile
    }
  }, BOUND_MS + 1_000)
  const stalledAt = Date.now()
  const reports = await settledReports(twoPeers.a.page)
  await stalled
  console.log(`[disconnect] peer stalled: ${summarize(reports, stalledAt)}`)
  testInfo.annotations.push({ type: 'measurement', description: summarize(reports, stalledAt) })
  for (const r of reports) {
    expect(r.resolved, r.op).toBe(false)
    expect(r.error?.code, r.op).toBe('timeout')
    expect(r.settledAt - stalledAt, r.op).toBeLessThan(BOUND_MS)
    expect(r.settledAt - stalledAt, r.op).toBeGreaterThan(HEARTBEAT.timeoutMs - HEARTBEAT.heartbeatMs - 100)
  }
})
