#!/usr/bin/env node
// Finds a Chromium for the browser tests, installing one if the machine has none.
// Order: $CHROMIUM_PATH / $NETBEAM_CHROMIUM, the usual system paths, Playwright's
// own download; then, if nothing was found, `apt-get install chromium` (root with
// apt-get) or `npx playwright install chromium`. Prints the path on the last line.
import { execFileSync, spawnSync } from 'node:child_process'
import { accessSync, constants } from 'node:fs'
import { createRequire } from 'node:module'
import { fileURLToPath } from 'node:url'
import { dirname, resolve } from 'node:path'

const ENV_VARS = ['CHROMIUM_PATH', 'NETBEAM_CHROMIUM']
const SYSTEM_PATHS = ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome']
const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..')

function isExecutable(path) {
  try {
    accessSync(path, constants.X_OK)
    return true
  } catch {
    return false
  }
}

/** Playwright's expected Chromium path (whether or not it was downloaded). */
function playwrightChromiumPath() {
  try {
    const require = createRequire(resolve(repoRoot, 'package.json'))
    return require('playwright-core').chromium.executablePath()
  } catch {
    return undefined
  }
}

/**
 * Looks for a Chromium without installing anything.
 * @returns {{ path: string, source: string } | undefined}
 * @throws when an env var names a file that is not executable (a typo should not
 *   silently fall back to another browser).
 */
export function findChromium(env = process.env) {
  for (const name of ENV_VARS) {
    const value = env[name]
    if (!value) continue
    if (!isExecutable(value)) throw new Error(`${name}=${value} is not an executable file`)
    return { path: value, source: `$${name}` }
  }
  for (const path of SYSTEM_PATHS) if (isExecutable(path)) return { path, source: 'system' }
  const pw = playwrightChromiumPath()
  if (pw && isExecutable(pw)) return { path: pw, source: 'playwright download' }
  return undefined
}

function hasCommand(cmd) {
  return spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0
}

function run(cmd, args, env) {
  console.error(`[ensure-chromium] $ ${cmd} ${args.join(' ')}`)
  const r = spawnSync(cmd, args, { stdio: ['ignore', 'inherit', 'inherit'], env: { ...process.env, ...env } })
  if (r.error) throw r.error
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} exited with ${r.status ?? r.signal}`)
}

function installChromium() {
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0
  if (isRoot && hasCommand('apt-get')) {
    const env = { DEBIAN_FRONTEND: 'noninteractive' }
    run('apt-get', ['update'], env)
    run('apt-get', ['install', '-y', '-o', 'Dpkg::Options::=--force-confold', 'chromium'], env)
    return 'apt-get (Debian chromium)'
  }
  console.error(`[ensure-chromium] ${isRoot ? 'apt-get not available' : 'not root'}: using Playwright's download`)
  run('npx', ['--no-install', 'playwright', 'install', 'chromium'], {})
  return 'npx playwright install chromium'
}

function banner(lines) {
  const bar = '!'.repeat(72)
  console.error([bar, ...lines.map((l) => `!! ${l}`), bar].join('\n'))
}

/**
 * Returns a usable Chromium, installing one when none is present.
 * @returns {{ path: string, source: string, installed: boolean, installMs: number }}
 */
export function ensureChromium() {
  const found = findChromium()
  if (found) return { ...found, installed: false, installMs: 0 }
  banner([
    'No Chromium found.',
    `Looked at: ${ENV_VARS.map((n) => '$' + n).join(', ')}, ${SYSTEM_PATHS.join(', ')}, Playwright's cache.`,
    'Installing one now (set CHROMIUM_PATH to use an existing browser instead).',
  ])
  const started = Date.now()
  const how = installChromium()
  const installMs = Date.now() - started
  const after = findChromium()
  if (!after) throw new Error(`installed via ${how}, but still no Chromium at the known paths`)
  console.error(`[ensure-chromium] installed via ${how} in ${(installMs / 1000).toFixed(1)} s`)
  return { ...after, source: how, installed: true, installMs }
}

function describeVersion(path) {
  try {
    return execFileSync(path, ['--version'], { encoding: 'utf8', timeout: 20_000 }).trim()
  } catch (err) {
    throw new Error(`${path} is present but does not run: ${err instanceof Error ? err.message : err}`)
  }
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  try {
    const result = ensureChromium()
    console.error(`[ensure-chromium] using ${describeVersion(result.path)} (${result.source})`)
    console.log(result.path)
  } catch (err) {
    banner([
      'Cannot get a Chromium for the browser tests:',
      err instanceof Error ? err.message : String(err),
      'Fix: install Debian chromium (apt-get install -y chromium) or set CHROMIUM_PATH.',
    ])
    process.exit(1)
  }
}
