// `twoPeers`: two browser contexts (separate profiles, like two users), each on
// an e2e page, connected to each other through the relay by a simple-peer.
import { mkdirSync } from 'node:fs'
import { resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { test as base, type BrowserContext, type Page, type TestInfo } from '@playwright/test'
import type { HarnessInfo } from './pages/harness.js'

export { expect } from '@playwright/test'
export { loopbackOnlyNetwork } from '../test/loopback-only.mjs'

/** Screenshots and other files a run leaves behind for people (git-ignored). */
export const artifactsDir = fileURLToPath(new URL('./artifacts/', import.meta.url))

export interface PeerSide {
  readonly context: BrowserContext
  readonly page: Page
  /** What the page's harness reports about its connected simple-peer. */
  readonly info: HarnessInfo
}

export interface TwoPeers {
  /** `a` is the initiator (it joined the room first). */
  readonly a: PeerSide
  readonly b: PeerSide
  readonly room: string
  /** Wall time from the first navigation until both sides were connected. */
  readonly setupMs: number
}

export interface PeerFixtures {
  /**
   * The page both contexts load, relative to `e2e/pages/` (served at `/e2e/`).
   * @default 'connect.html'
   * @example test.use({ peerPage: 'mutex.html' })
   */
  peerPage: string
  twoPeers: TwoPeers
}

/** A file name in e2e/artifacts for this test, e.g. `connect-sends-both-ways-a.png`. */
export function artifactPath(testInfo: TestInfo, suffix: string): string {
  mkdirSync(artifactsDir, { recursive: true })
  const slug = testInfo.titlePath.slice(1).join('-').toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '')
  return resolve(artifactsDir, `${slug.slice(0, 80)}-${suffix}`)
}

function uniqueRoom(testInfo: TestInfo): string {
  return `w${testInfo.workerIndex}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`
}

export const test = base.extend<PeerFixtures>({
  peerPage: ['connect.html', { option: true }],

  twoPeers: async ({ browser, baseURL, peerPage }, use, testInfo) => {
    if (!baseURL) throw new Error('baseURL is not set: run through `playwright test -c e2e`')
    const origin = new URL(baseURL).origin
    const room = uniqueRoom(testInfo)
    const logs: string[] = []
    const opened: { label: string; context: BrowserContext; page: Page }[] = []
    try {
      const started = performance.now()
      await Promise.all(
        ['ctx1', 'ctx2'].map(async (label) => {
          const context = await browser.newContext()
          // Without a media permission Chromium enumerates no interfaces, so it
          // gathers no 127.0.0.1 candidate and the peers never connect.
          await context.grantPermissions(['camera', 'microphone'], { origin })
          const page = await context.newPage()
          opened.push({ label, context, page })
          page.on('console', (msg) => logs.push(`[${label}] ${msg.type()}: ${msg.text()}`))
          page.on('pageerror', (err) => logs.push(`[${label}] pageerror: ${err.message}`))
          await page.goto(`/e2e/${peerPage}?room=${room}`)
        }),
      )
      const sides = await Promise.all(
        opened.map(async ({ context, page }) => ({
          context,
          page,
          info: await page.evaluate(() => window.netbeamHarness.info()),
        })),
      )
      const setupMs = performance.now() - started
      // Whichever page reached the relay first is the initiator; call it `a`.
      const a = sides.find((s) => s.info.initiator)
      const b = sides.find((s) => !s.info.initiator)
      if (!a || !b) throw new Error(`expected one initiator, got ${sides.map((s) => s.info.initiator).join(', ')}`)
      await use({ a, b, room, setupMs })
    } finally {
      if (testInfo.status !== testInfo.expectedStatus) {
        for (const { label, page } of opened) {
          await page.screenshot({ path: artifactPath(testInfo, `failed-${label}.png`) }).catch(() => {})
        }
        if (logs.length > 0) await testInfo.attach('page-console', { body: logs.join('\n'), contentType: 'text/plain' })
      }
      await Promise.all(opened.map(({ context }) => context.close()))
    }
  },
})
