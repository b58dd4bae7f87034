import { build } from 'esbuild'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'

const root = fileURLToPath(new URL('../..', import.meta.url))

/** Minified bytes of a browser app that imports `names` from the built package. */
async function appBytes(names: string[], from = './dist/index.js'): Promise<number> {
  const result = await build({
    stdin: { contents: `export { ${names.join(', ')} } from '${from}'`, resolveDir: root },
    bundle: true,
    minify: true,
    format: 'esm',
    platform: 'browser',
    write: false,
    logLevel: 'silent',
  })
  return result.outputFiles[0]!.contents.length
}

describe('an app bundle (the build, as esbuild bundles it for a browser)', () => {
  const app = ['Session', 'fromDataChannel', 'NetError']

  it.each(['memoryPair', 'fromWebSocket', 'fromSimplePeer'])('leaves %s out unless the app imports it', async (adapter) => {
    const [without, withAdapter] = await Promise.all([appBytes(app), appBytes([...app, adapter])])
    // Each adapter is a few hundred bytes minified at least; tree-shaking drops all of it.
    expect(withAdapter - without).toBeGreaterThan(300)
  })

  it('is as small from the build as from the sources: nothing in dist/index.js defeats tree-shaking', async () => {
    const [fromBuild, fromSources] = await Promise.all([appBytes(app), appBytes(app, './src/index.ts')])
    expect(fromBuild).toBeLessThan(fromSources * 1.03)
  })
})
