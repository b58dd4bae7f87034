// examples/minimal (what `npm run example` serves) in two browser contexts: both tabs meet through
// the relay and show the same join, select and mutex outcomes the README promises.
import type { BrowserContext, Page } from '@playwright/test'
import { expect, test } from './fixtures.js'

test('the minimal example: two tabs run a join, a select and a mutex and agree on each', async ({ browser, baseURL }, testInfo) => {
  if (!baseURL) throw new Error('baseURL is not set: run through `playwright test -c e2e`')
  const room = `example-${testInfo.workerIndex}-${Date.now().toString(36)}`
  const contexts: BrowserContext[] = []
  try {
    const pages = await Promise.all(
      [0, 1].map(async (): Promise<Page> => {
        const context = await browser.newContext()
        contexts.push(context)
        // Without a media permission Chromium gathers no 127.0.0.1 candidate (see e2e/README.md).
        await context.grantPermissions(['camera', 'microphone'], { origin: new URL(baseURL).origin })
        const page = await context.newPage()
        await page.goto(`/examples/minimal/index.html?room=${room}`)
        return page
      }),
    )
    // The mutex is the last step: once both show the counter, every result is on the page.
    for (const page of pages) await expect(page.locator('#mutex')).toHaveText(/^counter = /, { timeout: 30_000 })
    const results = await Promise.all(
      pages.map(async (page) => ({
        status: await page.locator('#status').textContent(),
        join: await page.locator('#join').textContent(),
        select: await page.locator('#select').textContent(),
        mutex: await page.locator('#mutex').textContent(),
      })),
    )
    console.log(`[example] ${JSON.stringify(results)}`)
    // One leader, one follower; each join resolved with its own side's result.
    expect(new Set(results.map((r) => r.status))).toEqual(new Set(['connected: this tab is the leader', 'connected: this tab is the follower']))
    expect(new Set(results.map((r) => r.join))).toEqual(
      new Set(['both done (this side returned "leader")', 'both done (this side returned "follower")']),
    )
    // Exactly one side won the select.
    expect(results.map((r) => r.select).sort()).toEqual(['lost', 'won'])
    // 10 increments on each side, none lost, and both read the same final value.
    for (const r of results) expect(r.mutex).toBe('counter = 20')
  } finally {
    await Promise.all(contexts.map((c) => c.close()))
  }
})
