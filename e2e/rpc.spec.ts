// session.rpc across two browser contexts (two Chromium profiles joined by a simple-peer data
// channel through the relay), driven through e2e/pages/rpc.ts. Both pages serve the `game`
// service and call the other's.
import { expect, test } from './fixtures.js'

test.use({ peerPage: 'rpc.html' })

test('calls both ways at once: 1,000 each, all answered right; a handler error arrives as remote', async ({ twoPeers }) => {
  const { a, b } = twoPeers
  const roles = await Promise.all([a.page.evaluate(() => window.rpcPage.open()), b.page.evaluate(() => window.rpcPage.open())])
  expect(new Set(roles)).toEqual(new Set(['leader', 'follower']))
  const [ra, rb] = await Promise.all([a.page.evaluate(() => window.rpcPage.callMany(1000)), b.page.evaluate(() => window.rpcPage.callMany(1000))])
  expect([ra, rb]).toEqual([
    { right: 1000, wrong: 0 },
    { right: 1000, wrong: 0 },
  ])
  const failed = await a.page.evaluate(() => window.rpcPage.fail('bad move'))
  expect(failed).toMatchObject({ code: 'remote', remoteName: 'RangeError', remoteMessage: 'bad move' })
})

test("a caller's timeout aborts the handler's signal on the other page", async ({ twoPeers }) => {
  const { a, b } = twoPeers
  await Promise.all([a.page.evaluate(() => window.rpcPage.open()), b.page.evaluate(() => window.rpcPage.open())])
  const handlerSaw = b.page.evaluate(() => window.rpcPage.handlerAborted('t'))
  const caller = await a.page.evaluate(() => window.rpcPage.hangWithTimeout('t', 100))
  expect(caller).toMatchObject({ code: 'aborted' })
  expect(await handlerSaw).toBe('aborted')
})

test('a streamed result: 10,000 items in order under a window of 16; leaving the loop early returns the generator', async ({ twoPeers }) => {
  const { a, b } = twoPeers
  await Promise.all([a.page.evaluate(() => window.rpcPage.open()), b.page.evaluate(() => window.rpcPage.open())])
  expect(await a.page.evaluate(() => window.rpcPage.stream(10_000, 16))).toEqual({ received: 10_000, firstOutOfOrder: null })
  const returned = b.page.evaluate(() => window.rpcPage.generatorReturned())
  expect(await a.page.evaluate(() => window.rpcPage.stream(1e9, 16, 50))).toEqual({ received: 50, firstOutOfOrder: null })
  // The handler was asked for no more than the window beyond what the reader took.
  expect(await returned).toBeLessThanOrEqual(50 + 16)
})
