// The demo game across two browser contexts: connect through the relay, edit the shared settings
// on one side, play rounds with real key presses, and check that both players agree.
import { ROOM_ID_PATTERN } from '../support/room-id.js'
import { expect } from './fixtures.js'
import { noticeWindow, readSilenceProbe, startSilenceProbe } from './silence-probe.js'
import {
  demoTest as test,
  editSettings,
  pressReady,
  screenshot,
  snapshot,
  steerThroughRound,
  waitForConnection,
  type Player,
} from './demo-driver.js'

/** Polls the pages often: what they wait for is a round trip or two away. */
const OFTEN = { intervals: [50] }

test('two players play rounds and agree on every pickup, the scoreboard and the settings', async ({ players: pool }, testInfo) => {
  const players = await Promise.all([pool.open('p1'), pool.open('p2')])
  const [p1, p2] = players as [Player, Player]
  await Promise.all(players.map((p) => waitForConnection(p)))
  const [c1, c2] = await Promise.all(players.map((p) => p.page.evaluate(() => window.demo.connection())))
  expect(new Set([c1?.role, c2?.role])).toEqual(new Set(['leader', 'follower']))
  expect(new Set([c1?.color, c2?.color])).toEqual(new Set(['blue', 'amber']))

  // Settings live in the rwlock: an edit on one side shows on the other.
  await editSettings(p1, { speed: 420, coins: 3, roundSeconds: 60 })
  const round1 = { speed: 420, coins: 3, roundSeconds: 60 }
  await expect.poll(() => p2.page.evaluate(() => window.demo.settings()), OFTEN).toEqual(round1)
  await expect(p2.page.locator('#set-coins')).toHaveValue('3')
  await expect(p2.page.locator('#settings-note')).toHaveText(/other player changed/)

  await Promise.all([pressReady(p1, 1), pressReady(p2, 1)])
  await Promise.all(players.map((p) => steerThroughRound(p, 1)))
  for (const p of players) expect((await snapshot(p)).roundSettings).toEqual(round1)

  // The other side edits for round 2; both use it.
  await editSettings(p2, { coins: 1 })
  await expect.poll(() => p1.page.evaluate(() => window.demo.settings().coins), OFTEN).toBe(1)
  await Promise.all([pressReady(p1, 2), pressReady(p2, 2)])
  await Promise.all(players.map((p) => steerThroughRound(p, 2)))

  const [s1, s2] = await Promise.all(players.map(snapshot))
  expect(s1!.pickups).toHaveLength(4)
  expect(s1!.pickups.map((p) => p.winner)).not.toContain(null)
  expect(s2!.pickups).toEqual(s1!.pickups)
  expect(s2!.roundSettings).toEqual({ ...round1, coins: 1 })
  expect(s2!.lastStart).toEqual(s1!.lastStart)

  // The scoreboard (the mutex) catches up a round trip after the last pickup.
  const expected = {
    blue: s1!.pickups.filter((p) => p.winner === 'blue').length,
    amber: s1!.pickups.filter((p) => p.winner === 'amber').length,
  }
  for (const p of players) await expect.poll(() => p.page.evaluate(() => window.demo.scores()), OFTEN).toEqual(expected)
  await expect(p1.page.locator('#score-blue')).toHaveText(String(expected.blue))
  await expect(p2.page.locator('#score-amber')).toHaveText(String(expected.amber))
  // The other player's statistics, asked over rpc: its coins as it counts them.
  const asked = s2!.connection.color
  await p1.page.locator('#peer-stats').click()
  await expect(p1.page.locator('#log')).toContainText(`${asked} says (rpc`)
  await expect(p1.page.locator('#log')).toContainText(`${expected[asked]} coins in 2 rounds`)

  const start = s1!.lastStart!
  const rtt = s1!.net!.rttMs
  const summary =
    `pickups ${s1!.pickups.map((p) => `${p.round}.${p.coin + 1}:${p.winner}`).join(' ')}; score blue ${expected.blue} amber ${expected.amber}; ` +
    `last start skew ${start.skewMs.toFixed(3)} ms ± ${start.errorBoundMs.toFixed(3)} (late blue ${start.lateMs.blue.toFixed(3)}, amber ${start.lateMs.amber.toFixed(3)}); ` +
    `session RTT ${rtt.toFixed(3)} ms; positions sent ${s1!.net!.moves.sent}/${s2!.net!.moves.sent}`
  console.log(`[demo] ${summary}`)
  testInfo.annotations.push({ type: 'measurement', description: summary })
  const shots = [await screenshot(p1, testInfo, `player-${s1!.connection.color}`), await screenshot(p2, testInfo, `player-${s2!.connection.color}`)]
  testInfo.annotations.push({ type: 'screenshots', description: shots.join(', ') })
})

test('when the round time runs out before anyone reaches the coin, both agree it was not taken', async ({ players: pool }) => {
  const players = await Promise.all([pool.open('p1'), pool.open('p2')])
  const [p1, p2] = players as [Player, Player]
  await Promise.all(players.map((p) => waitForConnection(p)))
  // The shortest round the settings allow; nobody steers, so the round's end (a sleepUntil on the
  // shared timeline) fails the coin's select on both sides.
  await editSettings(p1, { coins: 1, roundSeconds: 10 })
  await expect.poll(() => p2.page.evaluate(() => window.demo.settings().roundSeconds), OFTEN).toBe(10)
  await Promise.all([pressReady(p1, 1), pressReady(p2, 1)])
  for (const p of players) {
    await p.page.waitForFunction(() => window.demo.pickups().length === 1, undefined, { polling: 100, timeout: 40_000 })
  }
  const [a, b] = await Promise.all(players.map(snapshot))
  expect(a!.pickups).toEqual([{ round: 1, coin: 0, winner: null }])
  expect(b!.pickups).toEqual(a!.pickups)
  // The round ended on the shared timeline, not before: both pages saw their shared clock pass it.
  for (const s of [a!, b!]) expect(s.sharedNow!).toBeGreaterThanOrEqual(s.endAt)
  expect(a!.scores).toEqual({ blue: 0, amber: 0 })
})

test('a player leaving mid-round is reported within the heartbeat bound, and a new player can join', async ({ players: pool }, testInfo) => {
  const players = await Promise.all([pool.open('stays'), pool.open('leaves')])
  const [stays, leaves] = players as [Player, Player]
  await Promise.all(players.map((p) => waitForConnection(p)))
  await Promise.all([pressReady(stays, 1), pressReady(leaves, 1)])
  // Mid-round: a coin race (select) and the movement stream are pending on both sides.
  await stays.page.waitForFunction(() => window.demo.snapshot().phase === 'playing', undefined, { polling: 50 })
  const { heartbeatMs, heartbeatBoundMs: timeoutMs, resumeGraceMs } = await stays.page.evaluate(() => window.demo.connection())
  await startSilenceProbe(stays.page, 'demo')
  await leaves.context.close()
  // Only a wait: the bound the page must keep is checked below, against what the page could see.
  await expect(stays.page.locator('#status')).toHaveText(/^Connection lost: /, { timeout: 30_000 })
  const probe = await readSilenceProbe(stays.page)
  const loss = (await stays.page.evaluate(() => window.demo.connection())).lastLoss!
  const noticed = `peer loss noticed ${(loss.at - probe.lastHeardAt).toFixed(0)} ms after the peer was last heard (${loss.code}: ${loss.message}); this page's timers ran ${probe.lateMs.toFixed(0)} ms late in all`
  console.log(`[demo] ${noticed}`)
  testInfo.annotations.push({ type: 'measurement', description: noticed })
  // Closing a tab tells the peer at once (a `bye`). Without it the session would only be
  // suspended (within the heartbeat bound) and close when the resume grace passed (`timeout`).
  expect(['closed', 'timeout']).toContain(loss.code)
  const graceMs = loss.code === 'timeout' ? resumeGraceMs : 0
  expect(loss.at - probe.lastHeardAt, 'noticed after the peer was last heard (ms)').toBeLessThanOrEqual(noticeWindow({ heartbeatMs, timeoutMs }, probe).atMostMs + graceMs)
  await expect(stays.page.locator('#status')).toHaveText(/^Connection lost: .*Waiting for a new player/)

  const joins = await pool.open('joins')
  await waitForConnection(stays, 2)
  await waitForConnection(joins, 1)
  await editSettings(joins, { speed: 480, coins: 2 })
  await expect.poll(() => stays.page.evaluate(() => window.demo.settings().coins), OFTEN).toBe(2)
  await Promise.all([pressReady(stays, 1), pressReady(joins, 1)])
  await Promise.all([steerThroughRound(stays, 1), steerThroughRound(joins, 1)])
  const [a, b] = await Promise.all([snapshot(stays), snapshot(joins)])
  expect(b.pickups).toEqual(a.pickups)
  expect(a.pickups.length).toBeGreaterThan(0)
  const errors = stays.logs.filter((line) => /pageerror|\] error:/.test(line))
  expect(errors).toEqual([])
})

test('a connection dropped mid-round: both pages reconnect, the session resumes and the round ends agreed', async ({ players: pool }, testInfo) => {
  const players = await Promise.all([pool.open('p1'), pool.open('p2')])
  const [p1, p2] = players as [Player, Player]
  await Promise.all(players.map((p) => waitForConnection(p)))
  await editSettings(p1, { coins: 3 })
  await expect.poll(() => p2.page.evaluate(() => window.demo.settings().coins), OFTEN).toBe(3)
  await Promise.all([pressReady(p1, 1), pressReady(p2, 1)])
  // Mid-round: the first coin's race (a select) and the movement stream are pending on both sides.
  for (const p of players) await p.page.waitForFunction(() => window.demo.snapshot().phase === 'playing', undefined, { polling: 50 })
  await p1.page.evaluate(() => window.demo.dropConnection())
  // Both pages notice (p2 from its data channel or the relay, p1 from its own closed connection),
  // say so, connect again through the relay and resume the same session (still session 1).
  for (const p of players) {
    await p.page.waitForFunction(() => {
      const c = window.demo.connection()
      return c.state === 'connected' && c.resumes === 1
    }, undefined, { polling: 50, timeout: 20_000 })
    await expect(p.page.locator('#log')).toContainText('connection dropped')
    await expect(p.page.locator('#log')).toContainText('reconnected: the session resumed')
  }
  await Promise.all(players.map((p) => steerThroughRound(p, 1)))
  const [s1, s2] = await Promise.all([snapshot(p1), snapshot(p2)])
  for (const s of [s1, s2]) expect(s.connection).toMatchObject({ sessions: 1, resumes: 1, lastLoss: null })
  expect(s1.pickups.filter((p) => p.round === 1)).toHaveLength(3)
  expect(s2.pickups).toEqual(s1.pickups)
  expect(s2.roundSettings).toEqual(s1.roundSettings)
  const expected = {
    blue: s1.pickups.filter((p) => p.winner === 'blue').length,
    amber: s1.pickups.filter((p) => p.winner === 'amber').length,
  }
  for (const p of players) await expect.poll(() => p.page.evaluate(() => window.demo.scores()), OFTEN).toEqual(expected)
  const summary = `after the drop and resume: pickups ${s1.pickups.map((p) => `${p.coin + 1}:${p.winner}`).join(' ')}; score blue ${expected.blue} amber ${expected.amber}; RTT ${s1.net!.rttMs.toFixed(3)} ms`
  console.log(`[demo] ${summary}`)
  testInfo.annotations.push({ type: 'measurement', description: summary })
})

test('a page opened without a room makes an unguessable one, and its invite link pairs a second player', async ({ players: pool }) => {
  const host = await pool.openPath('host', '/?quick')
  await expect.poll(() => host.page.evaluate(() => window.demo.connection().state)).toBe('waiting')
  const url = new URL(host.page.url())
  const room = url.searchParams.get('room') ?? ''
  const name = url.searchParams.get('name') ?? ''
  // The relay's room is the random id; the readable name is only what the page shows.
  expect(room).toMatch(ROOM_ID_PATTERN)
  expect(await host.page.evaluate(() => window.demo.connection().room)).toBe(room)
  expect(name).toMatch(/^[a-z]+-[a-z]+-\d{1,2}$/)
  await expect(host.page.locator('#room-name')).toHaveText(name)
  const invite = new URL((await host.page.locator('#open-second').getAttribute('href')) ?? '')
  expect(invite.searchParams.get('room')).toBe(room)
  const fresh = new URL((await host.page.locator('#new-room').getAttribute('href')) ?? '', url)
  expect(fresh.searchParams.get('room')).toMatch(ROOM_ID_PATTERN)
  expect(fresh.searchParams.get('room')).not.toBe(room)

  const guest = await pool.openPath('guest', `${invite.pathname}${invite.search}`)
  await Promise.all([waitForConnection(host), waitForConnection(guest)])
})
