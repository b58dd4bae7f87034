import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'

// The README's API reference and the API report (etc/netbeam.api.md, which `npm run build` checks
// against the exports) must name the same things: a new export, or a renamed one, fails here until
// the README documents it.
const read = (path: string): string => readFileSync(fileURLToPath(new URL(`../../${path}`, import.meta.url)), 'utf8')
const report = read('etc/netbeam.api.md')
const readme = read('README.md')

/** The `Name`s in code spans of `text`, in order. */
function codeNames(text: string): string[] {
  return [...text.matchAll(/`([^`]+)`/g)].map((m) => m[1]!)
}

/** The README's reference table: first column's names → the row's second column. */
function referenceRows(): Map<string, string> {
  const section = /### Reference\n([\s\S]*?)\n## /.exec(readme)?.[1]
  if (section === undefined) throw new Error('README.md has no "### Reference" section')
  const rows = new Map<string, string>()
  for (const line of section.split('\n')) {
    const cells = /^\| (.+?) \| (.+) \|$/.exec(line)
    if (cells === null || cells[1] === 'export' || cells[1]!.startsWith('---')) continue
    for (const name of codeNames(cells[1]!)) rows.set(name, cells[2]!)
  }
  return rows
}

/** The members the report lists for `export ... <name> ... { ... }`. */
function reportMembers(name: string): string[] {
  const body = new RegExp(`^export (?:declare )?(?:abstract )?(?:class|interface) ${name}\\b[^\\n]*\\{\\n([\\s\\S]*?)^\\}`, 'm').exec(report)?.[1]
  if (body === undefined) throw new Error(`the API report has no ${name}`)
  const members = [...body.matchAll(/^ {4}(?:static |readonly |get )*(\[Symbol\.\w+\]|\w+)/gm)].map((m) => m[1]!)
  return [...new Set(members.filter((m) => m !== 'constructor'))]
}

describe('README API reference', () => {
  it('lists exactly the exports in the API report', () => {
    const exported = [...report.matchAll(/^export (?:declare )?(?:abstract )?(?:class|interface|type|function|const) (\w+)/gm)]
    const names = exported.map((m) => m[1]!)
    expect(names.length).toBeGreaterThan(30)
    expect([...referenceRows().keys()].sort()).toEqual([...names].sort())
  })

  it.each(['Session', 'KeySpace', 'Scope', 'SessionOptions'])('lists every member of %s', (name) => {
    const row = referenceRows().get(name)
    expect(row, `a row for ${name}`).toBeDefined()
    expect(codeNames(row!).map((n) => n.replace(/\(.*$/, '').replace(/^Session\./, '')).filter((n) => n !== 'KeySpace' && !n.startsWith('session.')).sort()).toEqual(reportMembers(name).sort())
  })
})
