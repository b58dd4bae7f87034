import { writeFileSync } from 'node:fs'

/** One row of the benchmark table. */
export interface Row {
  /** Unique name; the key in results.json. */
  readonly name: string
  /** What was measured, e.g. 'node-datachannel'. */
  readonly impl: string
  readonly median: number
  /** Absent where a single figure was measured (a rate, a total). */
  readonly p99?: number
  readonly unit: string
  /** The row this one is compared with, by name. */
  readonly baseline?: string
  /** median / baseline median (for rates: this / baseline). */
  readonly ratio?: number
  /** The target, as text, e.g. '≤ 0.75× raw RTT'. */
  readonly target?: string
  /** Whether the target was met; undefined without a target. */
  readonly met?: boolean
  readonly note?: string
}

export class Report {
  readonly rows: Row[] = []

  add(row: Row): Row {
    if (this.rows.some((r) => r.name === row.name)) throw new Error(`duplicate benchmark row ${row.name}`)
    const finite = (value: number | undefined): boolean => value === undefined || Number.isFinite(value)
    if (!Number.isFinite(row.median) || !finite(row.p99) || !finite(row.ratio)) {
      throw new Error(`benchmark ${row.name} produced a non-finite figure`)
    }
    this.rows.push(row)
    return row
  }

  get(name: string): Row {
    const row = this.rows.find((r) => r.name === name)
    if (row === undefined) throw new Error(`no benchmark row ${name}`)
    return row
  }

  /** A markdown table, as pasted into README.md and issue notes. */
  table(): string {
    const header = '| benchmark | impl | median | p99 | unit | ratio | target | met |'
    const rule = '|---|---|---:|---:|---|---:|---|---|'
    const lines = this.rows.map((r) =>
      [
        r.name,
        r.impl,
        fmt(r.median),
        r.p99 === undefined ? '' : fmt(r.p99),
        r.unit,
        r.ratio === undefined ? '' : `${fmt(r.ratio)}× ${r.baseline ?? ''}`.trim(),
        r.target ?? '',
        r.met === undefined ? '' : r.met ? 'yes' : 'NO',
      ].join(' | '),
    )
    return [header, rule, ...lines.map((l) => `| ${l} |`)].join('\n')
  }

  write(path: string, meta: Record<string, unknown>): void {
    const byName = Object.fromEntries(this.rows.map((r) => [r.name, r]))
    writeFileSync(path, JSON.stringify({ ...meta, results: byName }, null, 2) + '\n')
  }
}

function fmt(value: number): string {
  if (value === 0) return '0'
  const abs = Math.abs(value)
  if (abs >= 1000) return Math.round(value).toLocaleString('en-US')
  if (abs >= 10) return value.toFixed(1)
  if (abs >= 0.1) return value.toFixed(3)
  return value.toPrecision(2)
}
