/**
 * CPU time per mutex hand-off, both sessions in this process over a memory pair: what the library
 * itself costs per hand-off, with no network stack in the figure. Runs against the build, as the
 * bench does (tsx's transform adds its own work to every function).
 *
 *   npm run build && node --expose-gc test/bench/handoff-cpu.mjs [--blocks=15] [--handoffs=5000] [--value=number|object] [--lib=path …]
 *
 * Each hand-off is one lock by the side without the token, a value write and a release (a request
 * and a grant on the wire). After a warm-up, blocks of hand-offs are timed with process.cpuUsage
 * (user + system: time spent waiting for a core another process holds does not count); the
 * median block is the figure.
 *
 * `--lib=<a checkout's dist/index.js>` (repeatable; default: this checkout's build) compares
 * builds, for example of two commits: each gets its own session pair in this process and their
 * blocks alternate, in rotating order, so that load from other processes and the heap's drift
 * reach every build alike. Each build after the first is also given as the median of its
 * block-by-block ratios to the first.
 */
import { resolve } from 'node:path'
import { pathToFileURL } from 'node:url'
import { parseArgs } from 'node:util'

const { values: args } = parseArgs({
  options: {
    blocks: { type: 'string', default: '15' },
    handoffs: { type: 'string', default: '5000' },
    value: { type: 'string', default: 'number' },
    lib: { type: 'string', multiple: true, default: [] },
  },
})
const blocks = Number(args.blocks)
// Even, so that every block starts on the leader's side like turn 0.
const handoffs = 2 * Math.ceil(Number(args.handoffs) / 2)
if (!(blocks >= 1 && handoffs >= 1)) throw new Error('--blocks and --handoffs must be positive')
if (args.value !== 'number' && args.value !== 'object') throw new Error('--value is number or object')
const objectValue = args.value === 'object'
const libs = args.lib.length === 0 ? [new URL('../../dist/index.js', import.meta.url).href] : args.lib.map((p) => pathToFileURL(resolve(p)).href)

/** A session pair over a memory pair, from one build, with a mutex for hand-offs. */
async function openBench(lib) {
  const { Session, memoryPair } = await import(lib)
  const [a, b] = memoryPair()
  const [leader, follower] = await Promise.all([Session.open(a, { role: 'leader' }), Session.open(b, { role: 'follower' })])
  const initial = objectValue ? { n: 0, name: 'board', cells: [1, 2, 3, 4] } : 0
  const locks = [leader.mutex('handoff', { initial }), follower.mutex('handoff')]
  let next = 0
  /** Turn i locks on side i % 2: every turn after the first moves the token across. */
  async function turn(i) {
    const guard = await locks[i % 2].lock()
    guard.value = objectValue ? { ...guard.value, n: i } : i
    await guard.release()
  }
  return {
    lib,
    samples: [],
    /** CPU µs per hand-off over the next `count` turns. */
    async block(count) {
      const cpu = process.cpuUsage()
      for (const end = next + count; next < end; next++) await turn(next)
      const used = process.cpuUsage(cpu)
      return (used.user + used.system) / count
    },
    /** Checks that every write arrived, then closes. */
    async close() {
      const guard = await locks[0].lock()
      const got = objectValue ? guard.value.n : guard.value
      await guard.release()
      await Promise.all([leader.close(), follower.close()])
      if (got !== next - 1) throw new Error(`${lib}: the lock value is ${got}, expected ${next - 1}: a hand-off lost a write`)
    },
  }
}

const median = (xs) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)]
const fmt = (x) => x.toFixed(2)

const benches = []
for (const lib of libs) benches.push(await openBench(lib))
// Warm-up: the JIT settles (even counts keep the token where the next turn expects it).
for (let round = 0; round < 3; round++) for (const bench of benches) await bench.block(Math.min(2000, handoffs))
for (let k = 0; k < blocks; k++) {
  for (let j = 0; j < benches.length; j++) {
    const bench = benches[(k + j) % benches.length]
    globalThis.gc?.()
    bench.samples.push(await bench.block(handoffs))
  }
}
for (const bench of benches) await bench.close()

console.log(`mutex hand-off over a memory pair, value ${args.value}: CPU µs per hand-off (both sides), ${blocks} blocks of ${handoffs}`)
for (const bench of benches) {
  const s = bench.samples
  const ratio = bench === benches[0] ? '' : `, ratio to the first ${median(s.map((x, k) => x / benches[0].samples[k])).toFixed(3)}`
  console.log(`${bench.lib}: median ${fmt(median(s))} (min ${fmt(Math.min(...s))}, max ${fmt(Math.max(...s))})${ratio}`)
}
