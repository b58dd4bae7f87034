import { benchCodecs } from './codec.bench.js'
import type { Report } from './report.js'

/** The codec every other codec's row is compared with. */
const REFERENCE = 'cbor-x + guard'

/**
 * One row per value and codec: CPU ns per encode+decode. The reference codec's row is named after the
 * value alone; each other codec's row adds its name and its ratio to the reference.
 */
export function addCodecRows(report: Report, quick: boolean): void {
  for (const { name, ns } of benchCodecs(quick ? 3 : 15, quick ? 2 : 20)) {
    const reference = ns[REFERENCE]
    if (reference === undefined) throw new Error(`no ${REFERENCE} figure for ${name}`)
    report.add({ name: `codec ${name}`, impl: REFERENCE, median: reference, unit: 'ns (CPU)' })
    for (const [codec, value] of Object.entries(ns)) {
      if (codec === REFERENCE) continue
      report.add({ name: `codec ${name} [${codec}]`, impl: codec, median: value, unit: 'ns (CPU)', baseline: REFERENCE, ratio: value / reference })
    }
  }
}
