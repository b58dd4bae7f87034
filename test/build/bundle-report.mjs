#!/usr/bin/env node
// `npm run size:report`: what an app that imports netbeam carries, file by file. Bundles the
// sources the way `.size-limit.json` bundles the build (esbuild, browser, minified) and prints
// each input's minified bytes and its share of the gzipped total (the gzip of a file on its own
// says little: gzip finds repeats across files), grouped by folder, then file by file.
//   node test/build/bundle-report.mjs [--files] ["<named imports>"]
import { build } from 'esbuild'
import { gzipSync } from 'node:zlib'
import { fileURLToPath } from 'node:url'

const root = fileURLToPath(new URL('../..', import.meta.url))
const imports = process.argv.slice(2).find((arg) => !arg.startsWith('--')) ?? 'Session, fromDataChannel, NetError'
const result = await build({
  stdin: { contents: `export { ${imports} } from './src/index.ts'`, resolveDir: root, loader: 'ts' },
  bundle: true,
  minify: true,
  format: 'esm',
  platform: 'browser',
  write: false,
  metafile: true,
  logLevel: 'warning',
})
const code = result.outputFiles[0].contents
const gzipped = gzipSync(code, { level: 9 }).length
const inputs = Object.entries(Object.values(result.metafile.outputs)[0].inputs)
  .map(([file, { bytesInOutput }]) => ({ file, bytes: bytesInOutput }))
  .filter(({ bytes }) => bytes > 0)
  .sort((a, b) => b.bytes - a.bytes)

/** A dependency by package name; our own files by folder (src/ops by op). */
function groupOf(file) {
  if (file.includes('node_modules/')) return file.split('node_modules/').at(-1).split('/')[0]
  return file.split('/').slice(0, file.startsWith('src/ops/') ? 3 : 2).join('/')
}

const kb = (bytes) => (bytes / 1000).toFixed(1).padStart(6)
const share = (bytes) => kb((bytes / code.length) * gzipped)
console.log(`import { ${imports} } from 'netbeam': ${kb(code.length).trim()} KB minified, ${kb(gzipped).trim()} KB gzipped\n`)
console.log('   min KB  gz share  part')
const groups = new Map()
for (const { file, bytes } of inputs) groups.set(groupOf(file), (groups.get(groupOf(file)) ?? 0) + bytes)
for (const [group, bytes] of [...groups].sort((a, b) => b[1] - a[1])) console.log(`  ${kb(bytes)}  ${share(bytes)}    ${group}`)
if (process.argv.includes('--files')) {
  console.log('\n   min KB  gz share  file')
  for (const { file, bytes } of inputs) console.log(`  ${kb(bytes)}  ${share(bytes)}    ${file}`)
}
