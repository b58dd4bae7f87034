// Scopes across two browser contexts (two Chromium profiles joined by a simple-peer data channel
// through the relay), driven through e2e/pages/scopes.ts.
import { expect, test, type TwoPeers } from './fixtures.js'

test.use({ peerPage: 'scopes.html' })

async function openBoth({ a, b }: TwoPeers): Promise<['leader' | 'follower', 'leader' | 'follower']> {
  const roles = await Promise.all([a.page.evaluate(() => window.scopes.open()), b.page.evaluate(() => window.scopes.open())])
  expect(new Set(roles)).toEqual(new Set(['leader', 'follower']))
  return roles
}

test('each round in its own scope: default keys pair within the round, a nested scope and a channel too', async ({ twoPeers }) => {
  const [roleA, roleB] = await openBoth(twoPeers)
  const ROUNDS = 30
  const [ra, rb] = await Promise.all([twoPeers.a.page.evaluate((n) => window.scopes.rounds(n), ROUNDS), twoPeers.b.page.evaluate((n) => window.scopes.rounds(n), ROUNDS)])
  for (let n = 1; n <= ROUNDS; n++) {
    expect(ra[n - 1]).toEqual({ exchanged: [`${roleB}:${n}:a`, `${roleB}:${n}:b`], message: `${roleB}:${n}:move`, joined: `${roleA}:${n}` })
    expect(rb[n - 1]).toEqual({ exchanged: [`${roleA}:${n}:a`, `${roleA}:${n}:b`], message: `${roleA}:${n}:move`, joined: `${roleB}:${n}` })
  }
  // Every round's scope closed on both sides: nothing of them is left open.
  expect(await Promise.all([twoPeers.a.page.evaluate(() => window.scopes.openOperations()), twoPeers.b.page.evaluate(() => window.scopes.openOperations())])).toEqual([0, 0])
})

test('a reset on one side rejects every pending call in the scope on both sides, with its reason', async ({ twoPeers }) => {
  await openBoth(twoPeers)
  const { a, b } = twoPeers
  await Promise.all([a.page.evaluate(() => window.scopes.holdLock()), b.page.evaluate(() => window.scopes.holdLock())])
  await Promise.all([a.page.evaluate(() => window.scopes.startPending()), b.page.evaluate(() => window.scopes.startPending())])
  await a.page.evaluate(() => window.scopes.reset('the other tab left'))
  const [pa, pb] = await Promise.all([a.page.evaluate(() => window.scopes.pending()), b.page.evaluate(() => window.scopes.pending())])
  for (const settled of [...pa, ...pb]) {
    expect(settled, settled.name).toMatchObject({ ok: false, code: 'aborted' })
    expect(settled.message, settled.name).toContain('the other tab left')
  }
  expect(pa.map((s) => s.name)).toEqual(['exchange', 'join', 'channel read', 'lock'])
})
