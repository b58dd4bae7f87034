import { candidateAddress } from '../support/loopback-filter.js'
import { artifactPath, expect, loopbackOnlyNetwork, test } from './fixtures.js'

const RTT_SAMPLES = 200

test('two contexts connect through the relay and message both ways', async ({ twoPeers }, testInfo) => {
  const { a, b, setupMs } = twoPeers
  expect(a.info.initiator).toBe(true)
  expect(b.info.initiator).toBe(false)

  await a.page.evaluate(() => window.connectPage.send('hello from a'))
  await b.page.evaluate(() => window.connectPage.send('hello from b'))
  expect(await b.page.evaluate(() => window.connectPage.nextMessage(5_000))).toBe('hello from a')
  expect(await a.page.evaluate(() => window.connectPage.nextMessage(5_000))).toBe('hello from b')

  const rtt = await a.page.evaluate((n) => window.connectPage.measureRtt(n, 20), RTT_SAMPLES)
  expect(rtt.count).toBe(RTT_SAMPLES)
  expect(rtt.medianMs).toBeGreaterThan(0)

  // Every candidate the relay let through is on 127.0.0.1. Read late: a
  // trickled candidate can arrive after ICE already connected on a
  // peer-reflexive one.
  const final = await Promise.all([a, b].map((side) => side.page.evaluate(() => window.netbeamHarness.info())))
  for (const info of final) {
    expect(info.candidatesIn.length).toBeGreaterThan(0)
    for (const line of info.candidatesIn) expect(candidateAddress(line)).toBe('127.0.0.1')
    // Off a loopback-only namespace the local side may still send from another
    // of this host's own addresses (those packets never leave the host either).
    if (loopbackOnlyNetwork()) {
      expect(info.selectedPair?.local.address).toBe('127.0.0.1')
      expect([null, '127.0.0.1']).toContain(info.selectedPair?.remote.address)
    }
  }

  await a.page.screenshot({ path: artifactPath(testInfo, 'a.png') })
  await b.page.screenshot({ path: artifactPath(testInfo, 'b.png') })

  const [finalA, finalB] = final
  const summary = [
    `setup ${setupMs.toFixed(0)} ms`,
    `WebRTC connect a ${a.info.connectMs.toFixed(0)} ms, b ${b.info.connectMs.toFixed(0)} ms`,
    `RTT over ${rtt.count}: median ${rtt.medianMs.toFixed(3)} ms, p99 ${rtt.p99Ms.toFixed(3)} ms, min ${rtt.minMs.toFixed(3)} ms`,
    `candidates gathered a=${finalA?.candidatesOut.length} b=${finalB?.candidatesOut.length}, ` +
      `received a=${finalA?.candidatesIn.length} b=${finalB?.candidatesIn.length}`,
    `selected a=${JSON.stringify(finalA?.selectedPair)} b=${JSON.stringify(finalB?.selectedPair)}`,
    `crossOriginIsolated=${a.info.crossOriginIsolated}`,
  ].join('; ')
  console.log(`[connect] ${summary}`)
  testInfo.annotations.push({ type: 'measurement', description: summary })
})

test('when one context goes away, the other side sees its peer close', async ({ twoPeers }) => {
  const { a, b } = twoPeers
  await b.context.close()
  await expect(a.page.locator('#harness-status')).toHaveText(/^closed: /)
})
