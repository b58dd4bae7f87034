import { spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, describe, expect, it } from 'vitest'

const root = fileURLToPath(new URL('../..', import.meta.url))
const dir = mkdtempSync(join(tmpdir(), 'netbeam-readme-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

describe('README', () => {
  it('its pasteable example runs and prints what its comments say', () => {
    const readme = readFileSync(join(root, 'README.md'), 'utf8')
    const block = /```js\n([\s\S]*?)```/.exec(readme)?.[1]
    expect(block, 'the README has a js example').toBeDefined()
    expect(block!.split('\n').length).toBeLessThanOrEqual(22)
    const script = join(dir, 'example.mts')
    writeFileSync(script, block!.replace("from 'netbeam'", `from '${join(root, 'src/index.ts')}'`))
    const run = spawnSync(process.execPath, ['--import', 'tsx', script], { cwd: root, encoding: 'utf8', timeout: 60_000 })
    expect(run.status, run.stderr).toBe(0)
    expect(run.stdout).toContain('alice { won: false } bob { won: true, value: 10 }')
    expect(run.stdout).toContain('score 2')
  })

  it('its lock watch example runs: the peer sees the write without locking', () => {
    const readme = readFileSync(join(root, 'README.md'), 'utf8')
    const block = [...readme.matchAll(/```js\n([\s\S]*?)```/g)].map((m) => m[1]!).find((b) => b.includes('watch: true'))
    expect(block, 'the README has a js example of watch').toBeDefined()
    const script = join(dir, 'watch.mts')
    writeFileSync(script, block!.replace("from 'netbeam'", `from '${join(root, 'src/index.ts')}'`))
    const run = spawnSync(process.execPath, ['--import', 'tsx', script], { cwd: root, encoding: 'utf8', timeout: 60_000 })
    expect(run.status, run.stderr).toBe(0)
    expect(run.stdout).toContain("bob sees { blue: 1, amber: 0 } peer")
    expect(run.stdout).toContain('bob peeks { blue: 1, amber: 0 }')
  })

  it('its resume example runs: the exchange queued while suspended completes after the resume', () => {
    const readme = readFileSync(join(root, 'README.md'), 'utf8')
    const block = [...readme.matchAll(/```js\n([\s\S]*?)```/g)].map((m) => m[1]!).find((b) => b.includes('resume: {'))
    expect(block, 'the README has a js example of resume').toBeDefined()
    const script = join(dir, 'resume.mts')
    writeFileSync(script, block!.replace("from 'netbeam'", `from '${join(root, 'src/index.ts')}'`))
    const run = spawnSync(process.execPath, ['--import', 'tsx', script], { cwd: root, encoding: 'utf8', timeout: 60_000 })
    expect(run.status, run.stderr).toBe(0)
    expect(run.stdout).toContain('bob suspended: closed')
    expect(run.stdout).toContain("open [ 'go', 'ready' ]")
  })
})
