// Browser tests: `npx playwright test -c e2e`, or `node e2e/run.mjs`, which
// first makes sure a Chromium exists (installing one if needed).
import { fileURLToPath } from 'node:url'
import { defineConfig } from '@playwright/test'
import { findChromium } from './ensure-chromium.mjs'
import { loopbackOnlyNetwork } from '../test/loopback-only.mjs'

const repoRoot = fileURLToPath(new URL('..', import.meta.url))
const chromium = findChromium()
if (!chromium) {
  throw new Error('No Chromium found. Run `node e2e/ensure-chromium.mjs` (installs one) or set CHROMIUM_PATH.')
}

if (process.env['TEST_WORKER_INDEX'] === undefined && !loopbackOnlyNetwork()) {
  console.warn(
    '[e2e] WARNING: not in a loopback-only network namespace. The relay forwards only 127.0.0.1\n' +
      '[e2e] candidates, but Chromium may still send from another of this host\'s addresses.\n' +
      '[e2e] `node e2e/run.mjs` runs the tests under `unshare -n` with only lo up.',
  )
}

// Vite picks a free port unless NETBEAM_E2E_PORT fixes one; the `wait` pattern
// below captures the real port into NETBEAM_E2E_SERVER_PORT, which the worker
// processes inherit.
const requestedPort = process.env['NETBEAM_E2E_PORT'] ?? '0'
const serverPort = process.env['NETBEAM_E2E_SERVER_PORT']

/**
 * Specs that keep a core busy on purpose (the demo draws at 60 fps in two contexts while keys steer
 * it; the stall test spins one page's thread for seconds): they run after the others, one test at
 * a time, so they neither slow the other specs down nor are slowed by them.
 */
const SOLO = ['**/demo.spec.ts', '**/demo-lossy.spec.ts', '**/disconnect.spec.ts']

export default defineConfig({
  testDir: '.',
  testMatch: '**/*.spec.ts',
  outputDir: 'results',
  reporter: 'list',
  // Each test runs two Chromium contexts; two workers saturate the 2 cores.
  workers: 2,
  fullyParallel: false,
  // `node e2e/run.mjs` runs the two projects one after the other; `dependencies` orders them
  // when Playwright is run directly.
  projects: [
    { name: 'shared', testIgnore: SOLO, outputDir: 'results/shared' },
    { name: 'solo', testMatch: SOLO, dependencies: ['shared'], workers: 1, outputDir: 'results/solo' },
  ],
  forbidOnly: true,
  retries: 0,
  timeout: 60_000,
  expect: { timeout: 10_000 },
  use: {
    browserName: 'chromium',
    baseURL: serverPort ? `http://127.0.0.1:${serverPort}` : undefined,
    headless: true,
    launchOptions: {
      executablePath: chromium.path,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--allow-loopback-in-peer-connection',
      ],
    },
    screenshot: 'only-on-failure',
    // No screencast in the trace: recording every frame of the demo's canvas doubled the demo
    // test's time on 2 cores. DOM snapshots stay, and failures still get a screenshot.
    trace: { mode: 'retain-on-failure', screenshots: false, snapshots: true, sources: true },
  },
  webServer: {
    command: `node node_modules/vite/bin/vite.js --config vite.config.ts --port ${requestedPort} --strictPort`,
    cwd: repoRoot,
    env: { NETBEAM_RELAY_LOOPBACK_ONLY: '1' },
    wait: { stdout: /\[netbeam\] relay ws:\/\/127\.0\.0\.1:(?<netbeam_e2e_server_port>\d+)\/relay/ },
    stdout: process.env['NETBEAM_RELAY_LOG'] === '1' ? 'pipe' : 'ignore',
    stderr: 'pipe',
    reuseExistingServer: false,
    timeout: 60_000,
  },
})
