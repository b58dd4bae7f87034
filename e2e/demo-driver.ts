// Drives the demo page (demo/index.html) from Playwright: open a player in its own browser
// context, wait on `window.demo`, and steer with real key presses. The page is read only through
// its test hook, whose contract is support/demo-hook-api.ts (types only).
import { writeFileSync } from 'node:fs'
import type { Browser, BrowserContext, Page, TestInfo } from '@playwright/test'
import type { DemoSnapshot } from '../support/demo-hook-api.js'
import { artifactPath, expect, test } from './fixtures.js'

export interface Player {
  readonly label: string
  readonly context: BrowserContext
  readonly page: Page
  readonly logs: string[]
}

export function demoRoom(testInfo: TestInfo): string {
  return `demo-${testInfo.workerIndex}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 7)}`
}

/** Runs on a player's new context before its page loads (e.g. to route the relay's WebSocket). */
export type PrepareContext = (context: BrowserContext) => Promise<void>

/**
 * A new browser context (its own profile, like a second user) with the demo open in `room`, with
 * `?quick` (a half-second countdown before each round instead of three seconds).
 */
export function openPlayer(browser: Browser, baseURL: string | undefined, room: string, label: string, prepare?: PrepareContext): Promise<Player> {
  return openDemoPage(browser, baseURL, `/?room=${room}&quick`, label, prepare)
}

/** Like openPlayer, at any path of the dev server (e.g. `/?quick`, which makes its own room). */
export async function openDemoPage(browser: Browser, baseURL: string | undefined, path: string, label: string, prepare?: PrepareContext): Promise<Player> {
  if (!baseURL) throw new Error('baseURL is not set: run through `playwright test -c e2e`')
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } })
  // Without a media permission Chromium gathers no 127.0.0.1 candidate (see e2e/README.md).
  await context.grantPermissions(['camera', 'microphone'], { origin: new URL(baseURL).origin })
  await prepare?.(context)
  const page = await context.newPage()
  const logs: string[] = []
  page.on('console', (msg) => logs.push(`[${label}] ${msg.type()}: ${msg.text()}`))
  page.on('pageerror', (err) => logs.push(`[${label}] pageerror: ${err.message}`))
  await page.goto(path)
  return { label, context, page, logs }
}

export function snapshot(player: Player): Promise<DemoSnapshot> {
  return player.page.evaluate(() => window.demo.snapshot())
}

export async function waitForConnection(player: Player, sessions = 1): Promise<void> {
  await player.page.waitForFunction((n) => {
    const c = window.demo.connection()
    return c.state === 'connected' && c.sessions === n
  }, sessions, { polling: 50, timeout: 20_000 })
}

const KEYS = { left: 'ArrowLeft', right: 'ArrowRight', up: 'ArrowUp', down: 'ArrowDown' } as const
type Key = (typeof KEYS)[keyof typeof KEYS]

/** Holds exactly the keys in `wanted`. */
async function holdKeys(page: Page, held: Set<Key>, wanted: Set<Key>): Promise<void> {
  for (const key of held) if (!wanted.has(key)) await page.keyboard.up(key)
  for (const key of wanted) if (!held.has(key)) await page.keyboard.down(key)
  held.clear()
  for (const key of wanted) held.add(key)
}

/** -1, 0 or 1: which way to go along one axis to reach the coin (0 when close enough). */
function heading(delta: number): -1 | 0 | 1 {
  return Math.abs(delta) <= 4 ? 0 : delta > 0 ? 1 : -1
}

/**
 * Plays until this page's round `round` is over: holds the arrow keys that point to the coin,
 * then waits (checking in the page every frame, no timed sleeps) until the player or the coin
 * moved so that other keys are needed.
 */
export async function steerThroughRound(player: Player, round: number): Promise<void> {
  const { page } = player
  const held = new Set<Key>()
  try {
    for (;;) {
      const s = await snapshot(player)
      if (s.connection.state !== 'connected') throw new Error(`${player.label}: connection ${s.connection.state} during round ${round}`)
      if (s.round > round) return
      if (s.phase !== 'playing' || !s.coin) {
        await holdKeys(page, held, new Set())
        await page.waitForFunction((r) => {
          const now = window.demo.snapshot()
          return now.round > r || (now.phase === 'playing' && now.coin !== null) || now.connection.state !== 'connected'
        }, round, { polling: 50, timeout: 60_000 })
        continue
      }
      const want = { x: heading(s.coin.x - s.me.x), y: heading(s.coin.y - s.me.y), coin: s.coin.index, round }
      const keys = new Set<Key>()
      if (want.x !== 0) keys.add(want.x > 0 ? KEYS.right : KEYS.left)
      if (want.y !== 0) keys.add(want.y > 0 ? KEYS.down : KEYS.up)
      await holdKeys(page, held, keys)
      await page.waitForFunction((w) => {
        const now = window.demo.snapshot()
        if (now.round !== w.round || now.phase !== 'playing' || now.coin?.index !== w.coin) return true
        const sign = (d: number): number => (Math.abs(d) <= 4 ? 0 : Math.sign(d))
        return sign(now.coin.x - now.me.x) !== w.x || sign(now.coin.y - now.me.y) !== w.y
      }, want, { polling: 'raf', timeout: 60_000 })
    }
  } finally {
    await holdKeys(page, held, new Set()).catch(() => {})
  }
}

/** Presses Enter (the Ready key) once the page shows round `round`'s lobby. */
export async function pressReady(player: Player, round: number): Promise<void> {
  const { page } = player
  await page.waitForFunction((r) => {
    const s = window.demo.snapshot()
    return s.phase === 'lobby' && s.round === r
  }, round, { polling: 50, timeout: 20_000 })
  // The game ignores keys typed into the settings form: leave it first.
  await page.locator('#arena').focus()
  await page.keyboard.press('Enter')
  await page.waitForFunction(() => {
    const s = window.demo.snapshot()
    return s.readyMe || s.phase !== 'lobby'
  }, undefined, { polling: 50, timeout: 10_000 })
}

/** Sets the settings form on `player`'s page and saves it (the write lock). */
export async function editSettings(player: Player, settings: { speed?: number; roundSeconds?: number; coins?: number }): Promise<void> {
  const { page } = player
  if (settings.speed !== undefined) await page.locator('#set-speed').fill(String(settings.speed))
  if (settings.roundSeconds !== undefined) await page.locator('#set-round').fill(String(settings.roundSeconds))
  if (settings.coins !== undefined) await page.locator('#set-coins').fill(String(settings.coins))
  await page.locator('#save-settings').click()
  await expect(page.locator('#settings-note')).toHaveText(/Saved/)
}

export async function screenshot(player: Player, testInfo: TestInfo, name: string): Promise<string> {
  const path = artifactPath(testInfo, `${name}.png`)
  await player.page.screenshot({ path, fullPage: true })
  await testInfo.attach(name, { path, contentType: 'image/png' })
  return path
}

/** Opens players for one test; the fixture closes them (with a post-mortem if the test failed). */
export interface Players {
  /** A player in the test's room (or `options.room`); `options.prepare` runs before its page loads. */
  open(label: string, options?: { room?: string; prepare?: PrepareContext }): Promise<Player>
  /** A player at `path` (no room of the test's choosing). */
  openPath(label: string, path: string): Promise<Player>
  readonly room: string
  readonly all: readonly Player[]
}

async function postMortem(players: readonly Player[], testInfo: TestInfo): Promise<void> {
  for (const p of players) {
    await p.page.screenshot({ path: artifactPath(testInfo, `failed-${p.label}.png`), fullPage: true }).catch(() => {})
    const state = await p.page
      .evaluate(() => ({ snapshot: window.demo.snapshot(), log: document.getElementById('log')?.innerText ?? '' }))
      .catch((err: unknown) => ({ unavailable: String(err) }))
    const path = artifactPath(testInfo, `failed-${p.label}.json`)
    writeFileSync(path, JSON.stringify(state, null, 2))
    await testInfo.attach(`state-${p.label}`, { path, contentType: 'application/json' })
  }
  const logs = players.flatMap((p) => p.logs)
  if (logs.length > 0) await testInfo.attach('page-console', { body: logs.join('\n'), contentType: 'text/plain' })
}

export const demoTest = test.extend<{ players: Players }>({
  players: async ({ browser, baseURL }, use, testInfo) => {
    const room = demoRoom(testInfo)
    const all: Player[] = []
    try {
      await use({
        room,
        all,
        async open(label, options = {}) {
          const player = await openPlayer(browser, baseURL, options.room ?? room, label, options.prepare)
          all.push(player)
          return player
        },
        async openPath(label, path) {
          const player = await openDemoPage(browser, baseURL, path, label)
          all.push(player)
          return player
        },
      })
    } finally {
      if (testInfo.status !== testInfo.expectedStatus) await postMortem(all, testInfo)
      await Promise.all(all.map((p) => p.context.close().catch(() => {})))
    }
  },
})
