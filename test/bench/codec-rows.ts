import { benchCodecs } from './codec.bench.js'
import type { PlainPathResult } from './plain-path.bench.js'
import type { Report } from './report.js'

/** The codec every other codec's row is compared with. */
const REFERENCE = 'cbor-x + guard'

/**
 * One row per value and codec: ns per encode+decode. The reference codec's row is named after the
 * value alone; each other codec's row adds its name and its ratio to the reference.
 */
export function addCodecRows(report: Report, quick: boolean): void {
  for (const { name, ns } of benchCodecs(quick ? 3 : 15, quick ? 2 : 20)) {
    const reference = ns[REFERENCE]
    if (reference === undefined) throw new Error(`no ${REFERENCE} figure for ${name}`)
    report.add({ name: `codec ${name}`, impl: REFERENCE, median: reference, unit: 'ns' })
    for (const [codec, value] of Object.entries(ns)) {
      if (codec === REFERENCE) continue
      report.add({ name: `codec ${name} [${codec}]`, impl: codec, median: value, unit: 'ns', baseline: REFERENCE, ratio: value / reference })
    }
  }
}

/** The end-to-end rows with the plain path switched off, each against the same rows with it on. */
export function addPlainPathRows(report: Report, impl: string, result: PlainPathResult): void {
  const latency = (name: string, paired: PlainPathResult['join']): void => {
    report.add({
      name: `${name}, plain path off`,
      impl,
      median: paired.subject.median,
      p99: paired.subject.p99,
      unit: 'ms',
      baseline: 'plain on (paired)',
      ratio: paired.ratio,
      note: `the same with the plain path on, in alternating blocks: median ${paired.baseline.median.toFixed(3)} ms`,
    })
  }
  const cpu = (name: string, ms: { off: number; on: number }): void => {
    report.add({
      name: `${name} CPU time, plain path off`,
      impl,
      median: ms.off,
      unit: 'ms/op',
      baseline: 'plain on (paired)',
      ratio: ms.off / ms.on,
      note: `CPU time of every thread per operation (both peers); with the plain path on: ${ms.on.toFixed(3)} ms`,
    })
  }
  latency('join latency', result.join)
  cpu('join', result.joinCpuMs)
  latency('mutex hand-off', result.handoff)
  cpu('mutex hand-off', result.handoffCpuMs)
  report.add({
    name: 'channel bulk throughput, plain path off',
    impl,
    median: result.bulkOffMBps,
    unit: 'MB/s',
    baseline: 'plain on (paired)',
    ratio: result.bulkOffMBps / result.bulkOnMBps,
    note: `the same with the plain path on, in alternating blocks: ${result.bulkOnMBps.toFixed(1)} MB/s`,
  })
  report.add({
    name: 'channel bulk CPU time, plain path off',
    impl,
    median: result.bulkOffCpuMsPerMB,
    unit: 'ms/MB',
    baseline: 'plain on (paired)',
    ratio: result.bulkOffCpuMsPerMB / result.bulkOnCpuMsPerMB,
    note: `CPU time of every thread per MB sent; with the plain path on: ${result.bulkOnCpuMsPerMB.toFixed(2)} ms/MB`,
  })
}
