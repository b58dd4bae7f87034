// One Node peer (simple-peer 9 over @roamhq/wrtc, joining the room from this test process with
// the `ws` package) and one browser context, through the same relay: join, select, mutex.
import { candidateAddress } from '../support/loopback-filter.js'
import { fromSimplePeer, Session } from '../src/index.js'
import { artifactPath, expect, test } from './fixtures.js'
import { connectNodePeer, type NodePeer } from './node-peer.js'
import { counterMutex, increment, join, readCounter, select } from './ops.js'

test('a Node peer and a browser context: join, select and mutex increments', async ({ browser, baseURL }, testInfo) => {
  if (!baseURL) throw new Error('baseURL is not set')
  const room = `node-${testInfo.workerIndex}-${Date.now().toString(36)}`
  const context = await browser.newContext()
  let node: NodePeer | undefined
  let session: Session | undefined
  try {
    await context.grantPermissions(['camera', 'microphone'], { origin: new URL(baseURL).origin })
    const page = await context.newPage()
    await page.goto(`/e2e/primitives.html?room=${room}`)
    node = await connectNodePeer(`${baseURL.replace(/^http/, 'ws')}/relay`, room)
    const info = await page.evaluate(() => window.netbeamHarness.info())
    expect(info.initiator).toBe(!node.initiator)
    for (const line of info.candidatesIn) expect(candidateAddress(line)).toBe('127.0.0.1')

    const [opened, browserInfo] = await Promise.all([Session.open(fromSimplePeer(node.peer)), page.evaluate(() => window.prims.open())])
    session = opened
    expect(new Set([session.role, browserInfo.role])).toEqual(new Set(['leader', 'follower']))

    const [nodeJoin, browserJoin] = await Promise.all([
      join(session, 'join', { delayMs: 150, value: 'node' }),
      page.evaluate(() => window.prims.join('join', { delayMs: 10, value: 'browser' })),
    ])
    expect(nodeJoin).toMatchObject({ ok: true, value: 'node' })
    expect(browserJoin).toMatchObject({ ok: true, value: 'browser' })
    expect(browserJoin.settledAt).toBeGreaterThanOrEqual(nodeJoin.fnSettledAt! - 5)

    for (const nodeFirst of [true, false]) {
      const [n, b] = await Promise.all([
        select(session, 'select', { delayMs: nodeFirst ? 20 : 3_000, value: 'node' }),
        page.evaluate((slow) => window.prims.select('select', { delayMs: slow ? 3_000 : 20, value: 'browser' }), nodeFirst),
      ])
      const [winner, loser] = nodeFirst ? [n, b] : [b, n]
      expect(winner).toMatchObject({ ok: true, value: { won: true, value: nodeFirst ? 'node' : 'browser' } })
      expect(loser).toMatchObject({ ok: true, value: { won: false } })
      expect(loser.abortedAt, 'the loser was aborted').toBeDefined()
    }

    const mutex = counterMutex(session)
    await Promise.all([increment(mutex, session.role, 200), page.evaluate(() => window.prims.increment(200))])
    const [inNode, inBrowser] = await Promise.all([readCounter(mutex), page.evaluate(() => window.prims.readCounter())])
    expect(inNode).toEqual(inBrowser)
    expect(inNode.count).toBe(400)
    expect(inNode.bySide).toEqual({ leader: 200, follower: 200 })

    const summary = `Node ↔ Chromium: RTT ${session.clock.rttMs.toFixed(3)} ms, offset ${session.clock.offsetMs.toFixed(3)} ± ${session.clock.errorBoundMs.toFixed(3)} ms, mutex hand-offs ${inNode.handoffs}`
    console.log(`[node-peer] ${summary}`)
    testInfo.annotations.push({ type: 'measurement', description: summary })
    await page.screenshot({ path: artifactPath(testInfo, 'browser.png') })
  } finally {
    await session?.close()
    node?.close()
    await context.close()
  }
})
