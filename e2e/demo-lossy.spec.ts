// The demo game across two browser contexts over a lossy path (20 ms ± 5 ms one way, 2 % loss):
// the test routes each page's relay WebSocket and rewrites its ICE candidates to a LossyPath on
// 127.0.0.1 (lossy-signalling.ts), so every datagram between the pages crosses it. A round played
// with real key presses must end agreed on both sides, over a path that really delayed and lost.
import { LOSSY_PATH, LossyPath } from '../test/helpers/lossy-path.js'
import type { Side } from '../test/helpers/negotiate.js'
import { seedFromEnv } from '../test/helpers/prng.js'
import { expect } from './fixtures.js'
import { demoTest as test, editSettings, pressReady, snapshot, steerThroughRound, waitForConnection, type Player } from './demo-driver.js'
import { signalThroughPath, type RewriteCount } from './lossy-signalling.js'

/** Polls the pages often: what they wait for is a round trip or two away. */
const OFTEN = { intervals: [50] }

test('over a lossy path, a round is played and agreed on both sides, and no session closes', async ({ players: pool }, testInfo) => {
  const seed = seedFromEnv()
  console.log(`[demo-lossy] path ${JSON.stringify(LOSSY_PATH)}, SEED=${seed}`)
  const path = await LossyPath.open(LOSSY_PATH, seed)
  try {
    const rewrites: Partial<Record<Side, RewriteCount>> = {}
    const open = (label: string, side: Side): Promise<Player> =>
      pool.open(label, { prepare: async (context) => void (rewrites[side] = await signalThroughPath(context, path.rewrite, side)) })
    const players = await Promise.all([open('p1', 'a'), open('p2', 'b')])
    const [p1, p2] = players as [Player, Player]
    await Promise.all(players.map((p) => waitForConnection(p)))
    // Each page told the other only the path's address.
    for (const side of ['a', 'b'] as const) expect(rewrites[side]?.rewritten, `candidates of ${side} rewritten`).toBeGreaterThan(0)

    const settings = { speed: 420, coins: 3, roundSeconds: 60 }
    await editSettings(p1, settings)
    await expect.poll(() => p2.page.evaluate(() => window.demo.settings()), OFTEN).toEqual(settings)
    await Promise.all([pressReady(p1, 1), pressReady(p2, 1)])
    await Promise.all(players.map((p) => steerThroughRound(p, 1)))

    const [s1, s2] = await Promise.all(players.map(snapshot))
    expect(s1!.pickups).toHaveLength(settings.coins)
    expect(s1!.pickups.map((p) => p.winner)).not.toContain(null)
    expect(s2!.pickups).toEqual(s1!.pickups)
    for (const s of [s1!, s2!]) expect(s.roundSettings).toEqual(settings)
    expect(s2!.lastStart).toEqual(s1!.lastStart)
    const expected = {
      blue: s1!.pickups.filter((p) => p.winner === 'blue').length,
      amber: s1!.pickups.filter((p) => p.winner === 'amber').length,
    }
    for (const p of players) await expect.poll(() => p.page.evaluate(() => window.demo.scores()), OFTEN).toEqual(expected)

    // The path really was that path: every round trip crossed it twice, each way at least
    // delay − jitter late, and it lost datagrams. Still the first session, never dropped.
    const [n1, n2] = await Promise.all(players.map(snapshot))
    const leastRttMs = 2 * (LOSSY_PATH.delayMs - LOSSY_PATH.jitterMs)
    for (const s of [n1!, n2!]) {
      expect(s.net?.rttMs, `${s.connection.color}'s session RTT (ms)`).toBeGreaterThanOrEqual(leastRttMs)
      expect(s.connection).toMatchObject({ state: 'connected', sessions: 1, resumes: 0, lastLoss: null })
    }
    expect(path.stats.lost, 'datagrams the path lost').toBeGreaterThan(0)
    expect(path.stats.cut).toBe(0)

    const start = n1!.lastStart!
    const summary =
      `pickups ${n1!.pickups.map((p) => `${p.coin + 1}:${p.winner}`).join(' ')}; score blue ${expected.blue} amber ${expected.amber}; ` +
      `session RTT ${n1!.net!.rttMs.toFixed(1)} / ${n2!.net!.rttMs.toFixed(1)} ms; start skew ${start.skewMs.toFixed(3)} ms ± ${start.errorBoundMs.toFixed(3)}; ` +
      `path forwarded ${path.stats.forwarded}, lost ${path.stats.lost}; candidates rewritten a ${rewrites.a!.rewritten} b ${rewrites.b!.rewritten}, dropped a ${rewrites.a!.dropped} b ${rewrites.b!.dropped}`
    console.log(`[demo-lossy] ${summary}`)
    testInfo.annotations.push({ type: 'measurement', description: summary })
  } finally {
    await path.close()
  }
})
