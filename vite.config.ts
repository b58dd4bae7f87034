/// <reference types="vitest/config" />
import { resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { defineConfig, normalizePath, type Logger, type Plugin, type UserConfig, type ViteDevServer } from 'vite'
import { attachRelay } from './demo/relay.js'

const repoRoot = fileURLToPath(new URL('.', import.meta.url))
const demoRoot = resolve(repoRoot, 'demo')
const e2ePagesDir = resolve(repoRoot, 'e2e/pages')
/** Set by the browser tests: the relay forwards only 127.0.0.1 candidates, no HMR. */
const testMode = process.env['NETBEAM_RELAY_LOOPBACK_ONLY'] === '1'
const relayLog = process.env['NETBEAM_RELAY_LOG'] === '1'

// Cross-origin isolation gives pages a 5 µs performance.now() instead of 100 µs,
// which RTT and clock measurements in the browser need.
const isolationHeaders = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
}

type HttpServer = NonNullable<ViteDevServer['httpServer']>

/** Attaches the signalling relay to the server; prints the URL once listening. */
function attachToServer(httpServer: HttpServer | null, logger: Logger): void {
  if (!httpServer) return // middleware mode: the embedding app owns the server
  const relay = attachRelay(httpServer, {
    loopbackOnly: testMode,
    log: relayLog ? (line) => logger.info(`[relay] ${line}`) : undefined,
  })
  httpServer.once('close', () => relay.close())
  httpServer.once('listening', () => {
    const address = httpServer.address()
    if (address === null || typeof address === 'string') return
    // The e2e config waits for this exact line to learn the port.
    logger.info(
      `[netbeam] relay ws://${address.address}:${address.port}/relay` +
        (testMode ? ' (test mode: loopback candidates only)' : ''),
    )
  })
}

/** Serves `e2e/pages/<file>` at `/e2e/<file>` from the dev server. */
function serveE2ePages(server: ViteDevServer): void {
  const fsPrefix = `/@fs${e2ePagesDir.startsWith('/') ? '' : '/'}${normalizePath(e2ePagesDir)}/`
  server.middlewares.use((req, _res, next) => {
    const url = req.url ?? ''
    if (url.startsWith('/e2e/')) {
      const rest = url.slice('/e2e/'.length)
      const pathname = rest.split('?', 1)[0] ?? ''
      if (!pathname.split('/').includes('..')) req.url = fsPrefix + rest
    }
    next()
  })
}

/** After Vite's own URL lines: what to do with them. */
function addPlayHint(server: { printUrls(): void; config: { logger: Logger } }): void {
  const printUrls = server.printUrls.bind(server)
  server.printUrls = () => {
    printUrls()
    server.config.logger.info(
      '\n  netbeam demo: open the Local URL above in two tabs or two browsers (or press' +
        '\n  "Open player 2" on the page), press Ready in both, and race with the arrow keys.\n',
    )
  }
}

function netbeamDevServer(): Plugin {
  return {
    name: 'netbeam-dev-server',
    configureServer(server) {
      attachToServer(server.httpServer, server.config.logger)
      serveE2ePages(server)
      addPlayHint(server)
    },
    configurePreviewServer(server) {
      attachToServer(server.httpServer, server.config.logger)
      addPlayHint(server)
    },
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

/** The demo (dev server, preview, build) and the unit tests. */
const demoAndTests: UserConfig = {
  root: demoRoot,
  clearScreen: false,
  resolve: {
    // simple-peer's own browser bundle carries its Node polyfills, so neither
    // the library nor the demo needs any.
    alias: [{ find: /^simple-peer$/, replacement: 'simple-peer/simplepeer.min.js' }],
  },
  optimizeDeps: {
    // Scan the e2e pages too and pre-bundle at startup: a dependency discovered
    // on first page load makes Vite re-optimize, which can reload a page mid-test.
    entries: ['index.html', '../e2e/pages/*.html'],
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
  build: {
    outDir: resolve(repoRoot, 'demo-dist'),
    emptyOutDir: true,
    rolldownOptions: { input: { main: resolve(demoRoot, 'index.html') } },
  },
  plugins: [netbeamDevServer()],
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

export default defineConfig(({ mode }) => (mode === 'lib' ? libraryBuild : demoAndTests))
