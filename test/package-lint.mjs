#!/usr/bin/env node
// Lints the package as npm would publish it: `npm pack` into a temporary folder, then publint and
// @arethetypeswrong/cli on that tarball (not on the work tree, whose extra files would hide a
// missing `files` entry). Needs `npm run build` first. Nothing here reaches the network: npm pack
// reads only the tree, publint gets the tarball's bytes, attw reads the tarball and is told not to
// fetch @types, and both tools run from node_modules (never through npx, which could download).
//   node test/package-lint.mjs
import { spawnSync } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { publint } from 'publint'
import { formatMessage } from 'publint/utils'

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..')
const require = createRequire(import.meta.url)

/** `npm pack` into `dir`; returns the tarball's path after printing what went into it. */
function pack(dir) {
  const run = spawnSync('npm', ['pack', '--json', '--ignore-scripts', '--offline', '--no-update-notifier', '--pack-destination', dir], {
    cwd: repoRoot,
    encoding: 'utf8',
    timeout: 120_000,
  })
  if (run.status !== 0) throw new Error(`npm pack failed (exit ${run.status ?? run.signal}):\n${run.stderr}`)
  const [info] = JSON.parse(run.stdout)
  const kb = (bytes) => `${(bytes / 1024).toFixed(1)} KB`
  console.log(`packed ${info.filename}: ${kb(info.size)} (${kb(info.unpackedSize)} unpacked)`)
  for (const file of info.files) console.log(`  ${file.path}  ${kb(file.size)}`)
  return join(dir, info.filename)
}

/** publint on the tarball's bytes, strict (warnings count as errors). Returns the problem count. */
async function runPublint(tarballPath) {
  const bytes = readFileSync(tarballPath)
  const tarball = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength)
  const { messages, pkg } = await publint({ pack: { tarball }, strict: true, level: 'suggestion' })
  // Suggestions count too: with the version pinned they are as deterministic as errors.
  for (const message of messages) console.log(`publint ${message.type}: ${formatMessage(message, pkg, { color: false })}`)
  console.log(messages.length === 0 ? 'publint: no problems' : `publint: ${messages.length} problem(s)`)
  return messages.length
}

/**
 * attw on the tarball, with one rule off: netbeam ships ESM only, on purpose (`"type": "module"`,
 * Node ≥ 20.19, which loads it from `require` too), so "CommonJS resolves to ESM" is no fault.
 * Everything else, in every resolution mode (node10 via `types`, node16 from CJS and ESM,
 * bundler), must be clean.
 */
function runAttw(tarballPath) {
  const cli = join(dirname(require.resolve('@arethetypeswrong/cli/package.json')), 'dist/index.js')
  // attw's rule names on the command line, and the problem kinds they stand for in its report.
  const ignored = { 'cjs-resolves-to-esm': 'CJSResolvesToESM' }
  const args = [cli, tarballPath, '--ignore-rules', ...Object.keys(ignored), '--no-definitely-typed', '--format', 'json']
  const run = spawnSync(process.execPath, args, { encoding: 'utf8', timeout: 120_000 })
  let analysis
  try {
    analysis = JSON.parse(run.stdout).analysis
  } catch {
    console.log(`attw: no report (exit ${run.status ?? run.signal})\n${run.stdout}${run.stderr}`)
    return 1
  }
  // attw exits 0 for a package without types; for netbeam that is the worst problem of all.
  if (analysis.types === false) {
    console.log('attw: the package contains no types')
    return 1
  }
  const entrypoints = Object.keys(analysis.entrypoints).join(', ')
  console.log(`attw: types ${analysis.types.kind}; entry points ${entrypoints}; ignoring ${Object.keys(ignored).join(', ')}`)
  for (const problem of analysis.problems) {
    const where = [problem.entrypoint, problem.resolutionKind].filter(Boolean).join(' ')
    const note = Object.values(ignored).includes(problem.kind) ? ', ignored' : ''
    console.log(`  attw ${problem.kind} (${where}${note})`)
  }
  console.log(run.status === 0 ? 'attw: no problems' : `attw: failed (exit ${run.status ?? run.signal})`)
  return run.status === 0 ? 0 : 1
}

async function main() {
  for (const file of ['dist/index.js', 'dist/index.d.ts']) {
    if (!existsSync(join(repoRoot, file))) throw new Error(`${file} is missing: run \`npm run build\` first`)
  }
  const dir = mkdtempSync(join(tmpdir(), 'netbeam-pack-'))
  try {
    const tarball = pack(dir)
    const problems = (await runPublint(tarball)) + runAttw(tarball)
    if (problems > 0) process.exitCode = 1
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

main().catch((err) => {
  console.error(err instanceof Error ? err.message : err)
  process.exit(1)
})
