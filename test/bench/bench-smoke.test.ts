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
    // As `npm run bench` does: against the build (`npm test` builds before it runs this).
    const args = ['--expose-gc', '--import', 'tsx', '--import', './test/bench/use-dist.mjs', 'test/bench/run.ts', '--quick', `--out=${out}`]
    const run = spawnSync(process.execPath, args, {
      encoding: 'utf8',
      timeout: 240_000,
    })
    expect(run.status, run.stderr + run.stdout.slice(-2000)).toBe(0)
    expect(run.stdout).toMatch(/\| benchmark \| impl \| median \|/)
    const results = JSON.parse(readFileSync(out, 'utf8')) as { quick: boolean; code: string; results: Record<string, Row> }
    expect(results.quick).toBe(true)
    expect(results.code).toBe('the built library (dist/index.js)')
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
      'wire: opening a scope',
      'lossy path: join latency',
      'lossy path: syncStart skew',
      'raw DataChannel RTT [@roamhq/wrtc]',
      'simple-peer send throughput',
      'codec frame: port (join done)',
      'codec value: 64 KiB bytes [cborg (strict)]',
      'resume: new channel open → resumed',
      'raw first round trip on a new channel',
      'lossy path: resume: new channel open → resumed',
      'channel bulk throughput, resume on',
      'join latency, resume on',
      'mutex hand-off, resume on',
      'rpc call latency',
      'rpc cancel reaching the handler',
      'rpc streamed throughput',
      'memory per pending rpc call',
    ]) {
      expect(names).toContain(expected)
    }
    for (const row of Object.values(results.results)) expect(Number.isFinite(row.median), row.name).toBe(true)
    // Latencies and bulk are compared with the raw channel on the session's own connection.
    for (const name of ['join latency', 'mutex hand-off', 'channel bulk throughput', 'resume: new channel open → resumed', 'lossy path: resume: new channel open → resumed', 'channel bulk throughput, resume on', 'join latency, resume on']) {
      expect(results.results[name]!.baseline, name).toMatch(/\(paired\)/)
      expect(Number.isFinite(results.results[name]!.ratio), name).toBe(true)
    }
    // Message counts are exact, not timings: they are checked here.
    expect(results.results['wire: join']!.median).toBe(2)
    expect(results.results['wire: rpc call']!.median).toBe(2)
    expect(results.results['wire: select']!.median).toBeLessThanOrEqual(3)
    expect(results.results['wire: mutex re-lock by holder']!.median).toBe(0)
    expect(results.results['wire: mutex hand-off']!.median).toBe(2)
    expect(results.results['wire: mutex write published to a watching peer']!.median).toBe(1)
    // With resume on, the acks ride on the operations' own messages: the counts do not change.
    for (const op of ['join', 'mutex hand-off', 'channel message']) {
      expect(results.results[`wire (resume on): ${op}`]!.median, op).toBe(results.results[`wire: ${op}`]!.median)
    }
  }, 300_000)
})

describe('test/bench/handoff-cpu.mjs', () => {
  it('times hand-offs against the build and checks that every hand-off carried its write', () => {
    for (const value of ['number', 'object']) {
      const args = ['--expose-gc', 'test/bench/handoff-cpu.mjs', '--blocks=1', '--handoffs=200', `--value=${value}`]
      const run = spawnSync(process.execPath, args, { encoding: 'utf8', timeout: 60_000 })
      expect(run.status, run.stderr).toBe(0)
      expect(run.stdout).toMatch(/dist\/index\.js: median \d+\.\d+ \(min/)
    }
  }, 120_000)
})
