import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { build, createLogger } from 'vite'
import { afterAll, describe, expect, it } from 'vitest'

const root = fileURLToPath(new URL('./fixture', import.meta.url))
const outDir = mkdtempSync(join(tmpdir(), 'netbeam-bundle-'))
afterAll(() => rmSync(outDir, { recursive: true, force: true }))

describe('browser build', () => {
  it('bundles a page that imports netbeam with no Node polyfill or Node built-in', async () => {
    const warnings: string[] = []
    const logger = createLogger('warn')
    logger.warn = (msg) => void warnings.push(msg)
    logger.warnOnce = (msg) => void warnings.push(msg)
    await build({
      root,
      configFile: false,
      logLevel: 'warn',
      customLogger: logger,
      build: {
        outDir,
        emptyOutDir: true,
        minify: false,
        target: 'es2022',
        rollupOptions: { onLog: (_level, log) => void warnings.push(log.message) },
      },
    })
    // Vite warns when a module imports a Node built-in it has to stub for browsers.
    expect(warnings.filter((w) => /externalized for browser compatibility|node:/.test(w))).toEqual([])
    const js = readdirSync(join(outDir, 'assets'))
      .filter((f) => f.endsWith('.js'))
      .map((f) => readFileSync(join(outDir, 'assets', f), 'utf8'))
      .join('\n')
    expect(js).toContain('NetError')
    // Signatures of the usual polyfills (buffer, process) and of Node-only imports.
    for (const marker of ['process/browser', 'base64-js', 'ieee754', 'vite-browser-external', 'vite_browser_external', 'require("']) {
      expect(js, marker).not.toContain(marker)
    }
    expect(js).not.toMatch(/\bprocess\.(env|nextTick|versions)\b/)
  })
})
