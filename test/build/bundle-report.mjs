#!/usr/bin/env node
// `npm run size:report`: what an app that imports netbeam carries, and where it comes from.
//   node test/build/bundle-report.mjs [--files] ["<named imports>"]   (run `npm run build` first)
//
// 1. The total exactly as `.size-limit.json` measures it: esbuild bundles `dist/index.js` with the
//    options @size-limit/esbuild uses (minified, browser, its default format), gzip level 9.
// 2. Each package's cost, measured: the total minus the same bundle with that package left out.
//    Our own folders and files get their share of the gzipped total by minified bytes (gzip finds
//    repeats across files, so a file zipped on its own says little).
// 3. What-ifs, bundled from the sources with one op family replaced by a stub that throws: what an
//    app would save if it could leave that family out (e.g. a `netbeam/lock` subpath export).
import { build } from 'esbuild'
import { gzipSync } from 'node:zlib'
import { fileURLToPath } from 'node:url'

const root = fileURLToPath(new URL('../..', import.meta.url))
const imports = process.argv.slice(2).find((arg) => !arg.startsWith('--')) ?? 'Session, fromDataChannel, NetError'
const dependencies = ['cbor-x', 'eventemitter3']

/** The app: `from` is dist/index.js (as size-limit) or src/index.ts (for the what-ifs). */
async function bundle({ from = './dist/index.js', external = [], stubs = {} } = {}) {
  const stubPlugin = {
    name: 'stub-ops',
    setup(b) {
      b.onLoad({ filter: /[\\/]src[\\/]ops[\\/].*\.ts$/ }, ({ path }) => {
        const hit = Object.keys(stubs).find((file) => path.endsWith(file))
        return hit === undefined ? undefined : { contents: stubs[hit], loader: 'ts' }
      })
    },
  }
  const result = await build({
    stdin: { contents: `import { ${imports} } from '${from}'\nconsole.log(${imports})\n`, resolveDir: root },
    bundle: true,
    minify: true,
    treeShaking: true,
    platform: 'browser',
    external,
    write: false,
    metafile: true,
    logLevel: 'warning',
    plugins: [stubPlugin],
  })
  const code = result.outputFiles[0].contents
  const inputs = Object.entries(Object.values(result.metafile.outputs)[0].inputs)
    .map(([file, { bytesInOutput }]) => ({ file, bytes: bytesInOutput }))
    .filter(({ file, bytes }) => bytes > 0 && file !== '<stdin>')
    .sort((a, b) => b.bytes - a.bytes)
  return { minified: code.length, gzipped: gzipSync(code, { level: 9 }).length, inputs }
}

/** A dependency by package name; our own files by folder (src/ops by op family). */
function groupOf(file) {
  if (file.includes('node_modules/')) return file.split('node_modules/').at(-1).split('/')[0]
  const parts = file.replace(/^dist\/index\.js$/, 'netbeam (dist/index.js)').split('/')
  return parts.slice(0, file.startsWith('src/ops/') ? 3 : 2).join('/')
}

const kb = (bytes) => (bytes / 1000).toFixed(1).padStart(6)
const full = await bundle()
console.log(`import { ${imports} } from 'netbeam' (as .size-limit.json measures it):`)
console.log(`  ${(full.minified / 1000).toFixed(2)} KB minified, ${(full.gzipped / 1000).toFixed(2)} KB gzipped\n`)

console.log('  gz KB  what (measured: the total minus the bundle without it)')
let rest = full.gzipped
for (const dependency of dependencies) {
  const without = await bundle({ external: [dependency] })
  rest -= full.gzipped - without.gzipped
  console.log(`  ${kb(full.gzipped - without.gzipped)}  ${dependency}`)
}
console.log(`  ${kb(rest)}  netbeam's own code (the rest)\n`)

const sources = await bundle({ from: './src/index.ts' })
const share = (bytes) => kb((bytes / sources.minified) * sources.gzipped)
console.log(`From the sources (${kb(sources.gzipped).trim()} KB gz): share of the gzip by minified bytes`)
console.log('   min KB  gz share  part')
const groups = new Map()
for (const { file, bytes } of sources.inputs) groups.set(groupOf(file), (groups.get(groupOf(file)) ?? 0) + bytes)
for (const [group, bytes] of [...groups].sort((a, b) => b[1] - a[1])) console.log(`  ${kb(bytes)}  ${share(bytes)}    ${group}`)
if (process.argv.includes('--files')) {
  console.log('\n   min KB  gz share  file')
  for (const { file, bytes } of sources.inputs) console.log(`  ${kb(bytes)}  ${share(bytes)}    ${file}`)
}

// cbor-x on its own, by entry point: its root entry re-exports iterators.js, and `cbor-x/encode`
// and `cbor-x/decode` are narrower; the bytes show whether that reaches the bundle.
console.log('\ncbor-x alone, by entry point (what esbuild keeps of it):')
console.log('   min KB   gz KB  entry')
for (const [label, contents] of [
  ["{ Encoder, Decoder } from 'cbor-x'", "import { Encoder, Decoder } from 'cbor-x'; console.log(Encoder, Decoder)"],
  ["{ Encoder } from 'cbor-x/encode' + { Decoder } from 'cbor-x/decode'", "import { Encoder } from 'cbor-x/encode'; import { Decoder } from 'cbor-x/decode'; console.log(Encoder, Decoder)"],
  ["{ Decoder } from 'cbor-x/decode' (decoding only)", "import { Decoder } from 'cbor-x/decode'; console.log(Decoder)"],
]) {
  const result = await build({ stdin: { contents, resolveDir: root }, bundle: true, minify: true, platform: 'browser', write: false, logLevel: 'warning' })
  const code = result.outputFiles[0].contents
  console.log(`  ${kb(code.length)}  ${kb(gzipSync(code, { level: 9 }).length)}  ${label}`)
}

const thrower = '() => { throw new Error("left out") }'
const stubs = {
  locks: {
    'src/ops/lock/mutex.ts': `export const createNetMutex = ${thrower}`,
    'src/ops/lock/rwlock.ts': `export const createNetRwLock = ${thrower}`,
  },
  channel: { 'src/ops/channel/typed-channel.ts': `export const openTypedChannel = ${thrower}` },
  syncStart: {
    'src/ops/sync-start/sync-start.ts': `export const runSyncStart = ${thrower}; export const SYNC_START_LATE_TOLERANCE_MS = 1`,
  },
  oneShots: {
    'src/ops/one-shot/join.ts': `export const runJoin = ${thrower}`,
    'src/ops/one-shot/select.ts': `export const runSelect = ${thrower}`,
    'src/ops/one-shot/exchange.ts': `export const runExchange = ${thrower}`,
  },
}
const whatIfs = [
  ['without locks (mutex, rwlock)', [stubs.locks]],
  ['without channel', [stubs.channel]],
  ['without syncStart', [stubs.syncStart]],
  ['without locks + channel', [stubs.locks, stubs.channel]],
  ['without locks + channel + syncStart (join/select/exchange only)', [stubs.locks, stubs.channel, stubs.syncStart]],
  ['no ops at all (session core, clock, transport, codec)', Object.values(stubs)],
]
console.log('\nWhat-ifs, from the sources with the op family stubbed out:')
console.log('  gz KB   saves  what')
for (const [label, parts] of whatIfs) {
  const { gzipped } = await bundle({ from: './src/index.ts', stubs: Object.assign({}, ...parts) })
  console.log(`  ${kb(gzipped)}  ${kb(sources.gzipped - gzipped)}  ${label}`)
}
