#!/usr/bin/env node
// Browser tests: makes sure a Chromium exists, then runs `playwright test -c e2e`
// (extra arguments are passed on) and exits with its code.
// `--skip-chromium-check`: a caller already ran ensure-chromium (test/run-all.mjs
// does, before entering its network namespace): only look, never install.
//
// Where possible (root + unshare + ip), the whole run goes into a fresh network
// namespace with only `lo` up: then 127.0.0.1 is the only address Chromium has,
// so WebRTC cannot pick any other local address. The relay's candidate filter
// covers runs outside it. NETBEAM_E2E_NETNS=off|auto|require (default auto).
import { spawn } from 'node:child_process'
import { createRequire } from 'node:module'
import { constants } from 'node:os'
import { dirname, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { canEnterLoopbackNamespace, isolated, loopbackOnlyNetwork } from '../test/loopback-only.mjs'
import { ensureChromium, findChromium } from './ensure-chromium.mjs'

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..')

function log(line) {
  console.error(`[e2e] ${line}`)
}

/** @returns {'enter' | 'inside' | 'host'} */
function chooseNetns() {
  const mode = process.env.NETBEAM_E2E_NETNS ?? 'auto'
  if (!['off', 'auto', 'require'].includes(mode)) throw new Error(`NETBEAM_E2E_NETNS must be off, auto or require, not ${mode}`)
  if (loopbackOnlyNetwork()) return 'inside'
  if (mode === 'off') return 'host'
  if (canEnterLoopbackNamespace()) return 'enter'
  if (mode === 'require') throw new Error('NETBEAM_E2E_NETNS=require but `unshare -n` + `ip link set lo up` failed')
  log('WARNING: no loopback-only network namespace (needs root, unshare and ip); relying on the relay filter alone')
  return 'host'
}

function getChromium(skipCheck) {
  if (!skipCheck) return ensureChromium()
  const found = findChromium()
  if (!found) throw new Error('no Chromium found (--skip-chromium-check: run `node e2e/ensure-chromium.mjs` first)')
  return { ...found, installed: false, installMs: 0 }
}

async function main() {
  const skipCheck = process.argv.includes('--skip-chromium-check')
  const passOn = process.argv.slice(2).filter((arg) => arg !== '--skip-chromium-check')
  let chromium
  let netns
  try {
    chromium = getChromium(skipCheck)
    netns = chooseNetns()
  } catch (err) {
    log(`cannot run the browser tests: ${err instanceof Error ? err.message : String(err)}`)
    return process.exit(1)
  }
  log(`Chromium: ${chromium.path} (${chromium.source}${chromium.installed ? `, installed in ${(chromium.installMs / 1000).toFixed(1)} s` : ''})`)
  const network = { enter: 'entering a loopback-only namespace (unshare -n)', inside: 'already loopback-only', host: 'host network' }
  log(`network: ${network[netns]}`)

  const cli = createRequire(resolve(repoRoot, 'package.json')).resolve('@playwright/test/cli')
  const env = { ...process.env, CHROMIUM_PATH: chromium.path, NETBEAM_RELAY_LOOPBACK_ONLY: '1' }
  const runs = phases(passOn).map((args) => {
    const playwright = [process.execPath, cli, 'test', '-c', 'e2e', ...args]
    return netns === 'enter' ? isolated(playwright) : playwright
  })
  let status = 0
  for (const run of runs) status = Math.max(status, await runPlaywright(run, env))
  process.exitCode = status
}

/**
 * The `shared` project first (two workers), then the `solo` one (one test at a time, nothing
 * else running; see playwright.config.ts), as two Playwright runs: in one run, a filter such as
 * `demo` would also pull in every test of the project `solo` depends on, and one failure there
 * would skip the solo tests. A caller who names a project gets exactly that run.
 */
function phases(passOn) {
  if (passOn.some((arg) => arg === '--project' || arg.startsWith('--project='))) return [passOn]
  return [
    ['--project', 'shared', '--pass-with-no-tests', ...passOn],
    ['--project', 'solo', '--no-deps', '--pass-with-no-tests', ...passOn],
  ]
}

/** Runs one Playwright command to its end; resolves with its exit status. */
function runPlaywright([cmd, ...args], env) {
  return new Promise((resolveStatus) => {
    const child = spawn(cmd, args, { cwd: repoRoot, stdio: 'inherit', env })
    const forward = (signal) => child.kill(signal)
    process.on('SIGINT', forward)
    process.on('SIGTERM', forward)
    const done = (status) => {
      process.off('SIGINT', forward)
      process.off('SIGTERM', forward)
      resolveStatus(status)
    }
    child.on('error', (err) => {
      log(`could not start Playwright: ${err.message}`)
      done(1)
    })
    child.on('exit', (code, signal) => done(code ?? 128 + (constants.signals[signal] ?? 0)))
  })
}

await main()
