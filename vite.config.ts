/// <reference types="vitest/config" />
import { resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { defineConfig, normalizePath, type Alias, type Plugin, type UserConfig, type ViteDevServer } from 'vite'
import { relayPlugin } from './support/vite-relay.js'

const repoRoot = fileURLToPath(new URL('.', import.meta.url))
const demoRoot = resolve(repoRoot, 'demo')
const exampleRoot = resolve(repoRoot, 'examples/minimal')
/** Set by the browser tests: the relay forwards only 127.0.0.1 candidates, no HMR. */
const testMode = process.env['NETBEAM_RELAY_LOOPBACK_ONLY'] === '1'
const relayOptions = { loopbackOnly: testMode, log: process.env['NETBEAM_RELAY_LOG'] === '1' }

// Cross-origin isolation gives pages a 5 µs performance.now() instead of 100 µs,
// which RTT and clock measurements in the browser need.
const isolationHeaders = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
}

const aliases: Alias[] = [
  // The demo and the examples import the package by its name, as an app would; here it is the source.
  { find: /^netbeam$/, replacement: resolve(repoRoot, 'src/index.ts') },
  // simple-peer's own browser bundle carries its Node polyfills, so neither
  // the library nor the pages need any.
  { find: /^simple-peer$/, replacement: 'simple-peer/simplepeer.min.js' },
]

/** Serves the files of `dir` at `/<prefix>/<file>` from the dev server (pages outside its root). */
function mount(server: ViteDevServer, prefix: string, dir: string): void {
  const fsPrefix = `/@fs${dir.startsWith('/') ? '' : '/'}${normalizePath(dir)}/`
  server.middlewares.use((req, _res, next) => {
    const url = req.url ?? ''
    if (url.startsWith(`/${prefix}/`)) {
      const rest = url.slice(prefix.length + 2)
      const pathname = rest.split('?', 1)[0] ?? ''
      if (!pathname.split('/').includes('..')) req.url = fsPrefix + rest
    }
    next()
  })
}

/** The browser tests' own pages at `/e2e/<file>`, and the examples at `/examples/<name>/index.html`. */
function testPages(): Plugin {
  return {
    name: 'netbeam-test-pages',
    configureServer(server) {
      mount(server, 'e2e', resolve(repoRoot, 'e2e/pages'))
      mount(server, 'examples', resolve(repoRoot, 'examples'))
    },
  }
}

/** What the dev servers share: the aliases, isolation headers, loopback host, the relay. */
function pageServer(root: string, entries: string[], hint: string, extraPlugins: Plugin[] = []): UserConfig {
  return {
    root,
    clearScreen: false,
    resolve: { alias: aliases },
    optimizeDeps: {
      // Scan every page and pre-bundle at startup: a dependency discovered on first page
      // load makes Vite re-optimize, which can reload a page mid-test.
      entries,
      include: ['simple-peer'],
    },
    server: {
      host: '127.0.0.1',
      headers: isolationHeaders,
      fs: { allow: [repoRoot] },
      // Other engineers edit the tree during test runs: no reloads under a running test.
      ...(testMode ? { hmr: false, watch: null } : {}),
    },
    preview: { host: '127.0.0.1', headers: isolationHeaders },
    plugins: [relayPlugin({ ...relayOptions, hint }), ...extraPlugins],
  }
}

/** `vite build --mode lib`: the library itself, one ESM file, dependencies left as imports. */
const libraryBuild: UserConfig = {
  root: repoRoot,
  build: {
    outDir: resolve(repoRoot, 'dist'),
    emptyOutDir: true,
    sourcemap: true,
    minify: false,
    lib: { entry: resolve(repoRoot, 'src/index.ts'), formats: ['es'], fileName: () => 'index.js' },
    rolldownOptions: { external: ['cbor-x', 'eventemitter3'] },
  },
}

/** `npm run example` (`vite --mode example`): examples/minimal at `/`. */
const minimalExample: UserConfig = {
  ...pageServer(
    exampleRoot,
    ['index.html'],
    '  netbeam minimal example: open the Local URL above in two tabs; each shows the join, select and mutex results.',
  ),
  // Its own pre-bundle cache, so switching between the demo and the example re-optimizes nothing.
  cacheDir: resolve(repoRoot, 'node_modules/.vite-example'),
}

/** The demo (dev server, preview, build), the browser tests' server, and the unit tests. */
const demoAndTests: UserConfig = {
  ...pageServer(
    demoRoot,
    ['index.html', '../e2e/pages/*.html', '../examples/*/index.html'],
    '  netbeam demo: open the Local URL above in two tabs or two browsers (or press' +
      '\n  "Open player 2" on the page), press Ready in both, and race with the arrow keys.',
    [testPages()],
  ),
  build: {
    outDir: resolve(repoRoot, 'demo-dist'),
    emptyOutDir: true,
    rolldownOptions: { input: { main: resolve(demoRoot, 'index.html') } },
  },
  test: {
    root: repoRoot,
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // WebRTC stacks keep native threads; forks isolate them per file.
    pool: 'forks',
    maxWorkers: 2,
  },
}

export default defineConfig(({ mode }) => (mode === 'lib' ? libraryBuild : mode === 'example' ? minimalExample : demoAndTests))
