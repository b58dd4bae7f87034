#!/usr/bin/env node
// `npm test`: every test the project has, in order. What a fresh machine lacks (a Chromium for the
// browser suite) is fetched first, while the network is still there; the tests themselves then run
// in a loopback-only network namespace when this machine allows one, so no test can reach any
// address but 127.0.0.1 even if a candidate filter were wrong.
import { spawnSync } from 'node:child_process'
import { canIsolate, isolated } from './loopback-only.mjs'

const steps = [
  { name: 'chromium', cmd: ['node', 'e2e/ensure-chromium.mjs'], isolate: false },
  { name: 'typecheck', cmd: ['npx', 'tsc', '--noEmit', '-p', 'tsconfig.json'], isolate: false },
  { name: 'sizes (eslint: files ≤ 250 lines, functions ≤ 60)', cmd: ['npx', 'eslint', 'src'], isolate: false },
  { name: 'layers (dependency-cruiser)', cmd: ['npx', 'depcruise', 'src', '--config', '.dependency-cruiser.cjs', '--output-type', 'err'], isolate: false },
  { name: 'library build (ESM + .d.ts rollup; fails if the API differs from etc/netbeam.api.md)', cmd: ['npm', 'run', '--silent', 'build'], isolate: false },
  // Isolated: the lints must not need the network (where no namespace exists they run as they are).
  { name: 'package lints (publint, attw on the packed package)', cmd: ['node', 'test/package-lint.mjs'], isolate: true },
  // The build as an app bundles it (.size-limit.json), inside the loopback-only namespace when
  // there is one: the check must need no network.
  { name: 'size budget (size-limit)', cmd: ['npx', 'size-limit'], isolate: true },
  { name: 'unit + Node WebRTC', cmd: ['npx', 'vitest', 'run'], isolate: true },
  { name: 'browser e2e', cmd: ['node', 'e2e/run.mjs', '--skip-chromium-check'], isolate: true },
]

const loopbackOnly = canIsolate()
console.log(
  loopbackOnly
    ? 'netbeam tests: running in a loopback-only network namespace'
    : 'netbeam tests: no network namespace here (not root, or unshare refused); tests pin 127.0.0.1 themselves',
)

for (const step of steps) {
  const started = Date.now()
  console.log(`\n=== ${step.name} ===`)
  const cmd = step.isolate && loopbackOnly ? isolated(step.cmd) : step.cmd
  const run = spawnSync(cmd[0], cmd.slice(1), { stdio: 'inherit', env: process.env })
  const seconds = ((Date.now() - started) / 1000).toFixed(1)
  if (run.status !== 0) {
    console.error(`\n=== ${step.name} FAILED after ${seconds} s (exit ${run.status ?? run.signal}) ===`)
    process.exit(run.status || 1)
  }
  console.log(`=== ${step.name} passed in ${seconds} s ===`)
}
