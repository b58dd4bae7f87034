import { benchClockOffset, benchSyncStartSkew } from './clock.bench.js'
import type { Report } from './report.js'

/** The clock rows of the table: offset error against timesync, syncStart skew against the floor. */
export async function benchClock(report: Report, quick: boolean): Promise<void> {
  const offset = await benchClockOffset({ trialsPerSkew: quick ? 3 : 25 })
  const impl = 'node-datachannel'
  report.add({ name: 'clock offset error: timesync', impl, median: offset.timesync.median, p99: offset.timesync.p95, unit: 'ms (p95)' })
  report.add({
    name: 'clock offset error: netbeam',
    impl,
    median: offset.netbeam.median,
    p99: offset.netbeam.p95,
    unit: 'ms (p95)',
    baseline: 'timesync',
    ratio: offset.netbeam.median / offset.timesync.median,
    target: 'median ≤ 0.1 ms, ≥ 5× better',
    met: offset.netbeam.median <= 0.1 && offset.medianRatio >= 5,
    note: `timesync/netbeam = ${offset.medianRatio.toFixed(1)}× (median), ${offset.p95Ratio.toFixed(1)}× (p95); ${offset.trials} trials`,
  })
  // 400 starts: a p99 over 200 would rest on the two worst samples, mostly OS scheduling noise.
  const skew = await benchSyncStartSkew({ rounds: quick ? 20 : 400 })
  for (const [placement, row] of Object.entries({ unpinned: skew.unpinned, pinned: skew.pinned })) {
    if (row === undefined) continue
    report.add({ name: `start floor, two processes (${placement})`, impl: 'hrtime', median: row.floor.median, p99: row.floor.p99, unit: 'ms' })
    report.add({
      name: `syncStart skew, two processes (${placement})`,
      impl,
      median: row.syncStart.median,
      p99: row.syncStart.p99,
      unit: 'ms',
      baseline: 'floor',
      ratio: row.syncStart.median / Math.max(row.floor.median, 1e-6),
      target: 'median ≤ 0.1, p99 ≤ 1',
      met: row.syncStart.median <= 0.1 && row.syncStart.p99 <= 1,
      note: `${row.refused} starts refused as late; offset error median ${row.offsetError.median.toFixed(4)} ms`,
    })
  }
}
