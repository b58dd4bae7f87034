#!/usr/bin/env node
// Runs a command in a network namespace where only `lo` exists, when this machine allows one
// (root with unshare): nothing it starts can reach any address but 127.0.0.1, whatever a WebRTC
// stack gathers. Elsewhere the command runs as it is; the tests and benchmarks still pin their
// connections to 127.0.0.1 themselves.
//   node test/loopback-only.mjs <command> [args…]
import { spawnSync } from 'node:child_process'
import { networkInterfaces } from 'node:os'
import { fileURLToPath } from 'node:url'

/**
 * True when this process sees no network interface but loopback, as inside the `unshare -n`
 * namespace this script and e2e/run.mjs run commands in. Only there is 127.0.0.1 the only local
 * address a WebRTC stack can send from: elsewhere the relay and the test helpers still pass on
 * only 127.0.0.1 candidates, but a side may send from another of the host's own addresses (the
 * packets still never leave the host).
 */
export function loopbackOnlyNetwork() {
  return Object.values(networkInterfaces()).every((addrs) => (addrs ?? []).every((a) => a.internal))
}

/** True when a loopback-only namespace can be entered here (probed, not guessed). */
export function canEnterLoopbackNamespace() {
  if (process.platform !== 'linux') return false
  return spawnSync('unshare', ['-n', 'sh', '-c', 'ip link set lo up'], { stdio: 'ignore', timeout: 10_000 }).status === 0
}

/** True when a loopback-only namespace can be entered and NETBEAM_NO_NETNS is not set. */
export function canIsolate() {
  return process.env.NETBEAM_NO_NETNS !== '1' && canEnterLoopbackNamespace()
}

/** `cmd` wrapped to run in a fresh loopback-only namespace. */
export function isolated(cmd) {
  return ['unshare', '-n', 'sh', '-c', 'ip link set lo up && exec "$@"', 'sh', ...cmd]
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const cmd = process.argv.slice(2)
  if (cmd.length === 0) {
    console.error('usage: node test/loopback-only.mjs <command> [args…]')
    process.exit(2)
  }
  const run = canIsolate() ? isolated(cmd) : cmd
  const result = spawnSync(run[0], run.slice(1), { stdio: 'inherit' })
  process.exit(result.status ?? 1)
}
