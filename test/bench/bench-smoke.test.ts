import { spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import type { Row } from './report.js'

const dir = mkdtempSync(join(tmpdir(), 'netbeam-bench-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

describe('npm run bench -- --quick', () => {
  it('runs every benchmark, each validating its own result, and writes the table', () => {
    const out = join(dir, 'results.json')
    const run = spawnSync(process.execPath, ['--expose-gc', '--import', 'tsx', 'test/bench/run.ts', '--quick', `--out=${out}`], {
      encoding: 'utf8',
      timeout: 240_000,
    })
    expect(run.status, run.stderr + run.stdout.slice(-2000)).toBe(0)
    expect(run.stdout).toMatch(/\| benchmark \| impl \| median \|/)
    const results = JSON.parse(readFileSync(out, 'utf8')) as { quick: boolean; results: Record<string, Row> }
    expect(results.quick).toBe(true)
    const names = Object.keys(results.results)
    for (const expected of [
      'raw DataChannel RTT',
      'join latency',
      'select latency',
      'mutex hand-off',
      'channel bulk throughput',
      'clock offset error: netbeam',
      'syncStart skew, two processes (unpinned)',
      'wire: join',
      'raw DataChannel RTT [@roamhq/wrtc]',
      'simple-peer send throughput',
    ]) {
      expect(names).toContain(expected)
    }
    for (const row of Object.values(results.results)) expect(Number.isFinite(row.median), row.name).toBe(true)
    // Message counts are exact, not timings: they are checked here.
    expect(results.results['wire: join']!.median).toBe(2)
    expect(results.results['wire: select']!.median).toBeLessThanOrEqual(3)
    expect(results.results['wire: mutex re-lock by holder']!.median).toBe(0)
    expect(results.results['wire: mutex hand-off']!.median).toBe(2)
  }, 300_000)
})
