/**
 * `node --import tsx --import ./test/bench/use-dist.mjs …`: the bench's imports of the public
 * modules under src/ load the built library (dist/index.js) instead, so the figures are those of
 * the code users run, not of tsx's on-the-fly transform (which, for one, wraps every function
 * it creates in a naming helper). Child processes the bench starts inherit it through the env.
 */
import { existsSync } from 'node:fs'
import { register } from 'node:module'

const dist = new URL('../../dist/index.js', import.meta.url)
if (!existsSync(dist)) throw new Error('dist/index.js is missing: run `npm run build` first (npm run bench does)')
process.env.NETBEAM_BENCH_DIST = '1'
register('./dist-resolve.mjs', import.meta.url, { data: { dist: dist.href, src: new URL('../../src/', import.meta.url).href } })
