import { spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, describe, expect, it } from 'vitest'

const root = fileURLToPath(new URL('../..', import.meta.url))
const dir = mkdtempSync(join(tmpdir(), 'netbeam-readme-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

const readme = readFileSync(join(root, 'README.md'), 'utf8')
const jsBlocks = [...readme.matchAll(/```js\n([\s\S]*?)```/g)].map((m) => m[1]!)

/** Runs a README js block against the sources, as `name`.mts; returns what it printed (it must exit 0). */
function runBlock(block: string | undefined, what: string, name: string): string {
  expect(block, `the README has a js example ${what}`).toBeDefined()
  const script = join(dir, `${name}.mts`)
  writeFileSync(script, block!.replace("from 'netbeam'", `from '${join(root, 'src/index.ts')}'`))
  const run = spawnSync(process.execPath, ['--import', 'tsx', script], { cwd: root, encoding: 'utf8', timeout: 60_000 })
  expect(run.status, run.stderr).toBe(0)
  return run.stdout
}

describe('README', () => {
  it('its pasteable example runs and prints what its comments say', () => {
    const block = jsBlocks[0]
    expect(block?.split('\n').length).toBeLessThanOrEqual(22)
    const stdout = runBlock(block, '', 'example')
    expect(stdout).toContain('alice { won: false } bob { won: true, value: 10 }')
    expect(stdout).toContain('score 2')
  })

  it('its lock watch example runs: the peer sees the write without locking', () => {
    const stdout = runBlock(jsBlocks.find((b) => b.includes('watch: true')), 'of watch', 'watch')
    expect(stdout).toContain("bob sees { blue: 1, amber: 0 } peer")
    expect(stdout).toContain('bob peeks { blue: 1, amber: 0 }')
  })

  it('its resume example runs: the exchange queued while suspended completes after the resume', () => {
    const stdout = runBlock(jsBlocks.find((b) => b.includes('resume: {')), 'of resume', 'resume')
    expect(stdout).toContain('bob suspended: closed')
    expect(stdout).toContain("open [ 'go', 'ready' ]")
  })

  it('its scopes example runs: rounds pair within their scope, and a reset reaches the peer with its reason', () => {
    const stdout = runBlock(jsBlocks.find((b) => b.includes("scope('lobby')")), 'of scopes', 'scopes')
    expect(stdout).toContain("[ 'paper', 'rock' ]")
    expect(stdout).toContain('aborted: scope "lobby" was reset by the peer: alice left')
  })

  it('its rpc example runs: a result, a remote error, a timeout that reaches the handler, a stream', () => {
    const stdout = runBlock(jsBlocks.find((b) => b.includes(".rpc('stats')")), 'of rpc', 'rpc')
    expect(stdout).toContain("{ player: 'alice', wins: 3 }")
    expect(stdout).toContain('remote RangeError no such round')
    expect(stdout).toContain('bob: slow aborted')
    expect(stdout).toContain('aborted')
    expect(stdout).toContain('{ round: 1 }\n{ round: 2 }\n{ round: 3 }')
  })
})
