// Session resume across two browser contexts: the connection drops for real in the middle of a
// contended lock, a numbered stream each way and a pending join and select; both pages notice,
// connect again through the relay (a new RTCPeerConnection) and resume. Nothing may be lost or
// arrive twice, the counter must be exact and every join and select agreed on both sides.
import { expect, test } from './fixtures.js'
import type { ResumeEvent, TrafficReport } from './pages/resume.js'
import { noticeWindow, readSilenceProbe, startSilenceProbe } from './silence-probe.js'

test.use({ peerPage: 'resume.html' })

/** Short, so a silent link is noticed quickly: suspended after 1 s without a frame. */
const HEARTBEAT = { heartbeatMs: 200, timeoutMs: 1_000 }
/** Far beyond what reconnecting takes even on a loaded machine: the test must never see it pass. */
const GRACE_MS = 30_000
/** Progress to see before the drop, and again after the resume, on each side. */
const SOME = { increments: 10, received: 100 }
/**
 * How long a page call that should settle may take, as long as an `expect` waits (the config's
 * expect timeout): only so a test that fails says which call hung, instead of the test timing out.
 */
const SETTLES_MS = 10_000

function settles<T>(what: string, call: Promise<T>): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined
  const late = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not settle within ${SETTLES_MS} ms`)), SETTLES_MS)
  })
  return Promise.race([call, late]).finally(() => clearTimeout(timer))
}

test('a dropped RTCPeerConnection: both sides suspend, reconnect through the relay and resume with nothing lost', async ({ twoPeers }, testInfo) => {
  const { a, b } = twoPeers
  const sides = [a, b]
  const roles = await Promise.all(sides.map((s) => s.page.evaluate((o) => window.resumable.open(o).then((r) => r.role), { ...HEARTBEAT, graceMs: GRACE_MS })))
  const follower = sides[roles.indexOf('follower')]!
  await Promise.all(sides.map((s) => s.page.evaluate(() => window.resumable.startTraffic())))
  const progressed = async (since: { increments: number; received: number }[]): Promise<boolean[]> =>
    Promise.all(
      sides.map(async (s, i) => {
        const p = await s.page.evaluate(() => window.resumable.progress())
        return p.increments >= since[i]!.increments + SOME.increments && p.received >= since[i]!.received + SOME.received
      }),
    )
  const zero = sides.map(() => ({ increments: 0, received: 0 }))
  await expect.poll(() => progressed(zero), { intervals: [50] }).toEqual([true, true])

  // The drop: `a` closes its RTCPeerConnection mid-traffic. `b` hears of it from the data
  // channel's close or, at the latest, from the silence.
  await Promise.all(sides.map((s) => startSilenceProbe(s.page, 'resumable')))
  await a.page.evaluate(() => window.resumable.drop())
  const suspensions: ResumeEvent[] = await Promise.all(sides.map((s) => settles('suspended', s.page.evaluate(() => window.resumable.suspended()))))
  const probes = await Promise.all(sides.map((s) => readSilenceProbe(s.page)))
  const noticed = suspensions.map((e, i) => `${i === 0 ? 'a' : 'b'}: ${e.code} after ${(e.at - probes[i]!.lastHeardAt).toFixed(0)} ms (timers ${probes[i]!.lateMs.toFixed(0)} ms late)`)
  suspensions.forEach((e, i) => {
    expect(e.at - probes[i]!.lastHeardAt, `${noticed[i]}: suspended after the peer was last heard (ms)`).toBeLessThanOrEqual(noticeWindow(HEARTBEAT, probes[i]!).atMostMs)
  })

  // While suspended: the join's and the select's functions finish, and the follower starts the
  // join the leader started before the drop; their messages wait in the retransmit buffers.
  const atSuspension = await Promise.all(sides.map((s) => s.page.evaluate(() => window.resumable.progress())))
  expect(atSuspension.map((p) => p.state)).toEqual(['suspended', 'suspended'])
  await Promise.all(sides.map((s) => s.page.evaluate(() => window.resumable.finishTasks())))
  await follower.page.evaluate(() => window.resumable.startLateJoin())

  const resumes = await Promise.all(sides.map((s) => settles('reconnect and resume', s.page.evaluate(() => window.resumable.reconnect()))))
  await expect.poll(() => progressed(atSuspension), { intervals: [50] }).toEqual([true, true])
  const traffic: TrafficReport[] = await Promise.all(sides.map((s) => settles('stopping the traffic', s.page.evaluate(() => window.resumable.stopTraffic()))))
  const results = await Promise.all(sides.map((s) => settles('the results', s.page.evaluate(() => window.resumable.results()))))

  const summary =
    `${noticed.join('; ')}; new connection to resumed ${resumes.map((r) => (r.resumedAt - r.connectedAt).toFixed(1)).join(' / ')} ms; ` +
    `increments ${traffic.map((t) => t.increments).join(' + ')} = ${results[0]!.counter.count}; streamed ${traffic.map((t) => t.sent).join(' / ')}`
  console.log(`[resume] ${summary}`)
  testInfo.annotations.push({ type: 'measurement', description: summary })

  // Each stream arrived whole, in order, exactly once: every number the peer says it sent.
  traffic.forEach((t, i) => {
    const peer = traffic[1 - i]!
    expect(t.stream).toEqual({ received: peer.sent, firstOutOfOrder: null, senderTotal: peer.sent })
  })
  // The counter counts every increment exactly once, on both sides.
  const expected = { count: traffic[0]!.increments + traffic[1]!.increments, bySide: Object.fromEntries(roles.map((r, i) => [r, traffic[i]!.increments])) }
  for (const r of results) expect({ count: r.counter.count, bySide: r.counter.bySide }).toEqual(expected)
  // The join and the late join resolved on both sides (with this side's own value); one select winner.
  for (const [i, r] of results.entries()) {
    expect(r.join, 'join').toMatchObject({ ok: true, value: roles[i] })
    expect(r.lateJoin, 'late join').toMatchObject({ ok: true, value: roles[i] })
    expect(r.select.ok, 'select').toBe(true)
    expect(r.state).toBe('open')
    expect(r.events.map((e) => e.state)).toEqual(['suspended', 'resumed'])
  }
  const winners = results.map((r) => (r.select.value as { won: boolean }).won)
  expect(winners.filter(Boolean), `select winners ${winners.join(', ')}`).toHaveLength(1)
  await Promise.all(sides.map((s) => s.page.evaluate(() => window.resumable.close())))
})
