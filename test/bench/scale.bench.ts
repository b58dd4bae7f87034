import type { Session } from '../../src/session.js'

/** What holding many operations open on one session costs. */
export interface ScaleResult {
  readonly ops: number
  /** From the follower's first call until every join on both sides resolved, ms. */
  readonly completeMs: number
  /** Heap growth while `ops` joins wait for the peer, per pending join, bytes. */
  readonly heapPerPendingOp: number
  /** Peak RSS and heap during the run, MB. */
  readonly peakRssMB: number
  readonly peakHeapMB: number
}

let runs = 0

function gc(): void {
  ;(globalThis as { gc?: () => void }).gc?.()
}

/**
 * Starts `ops` joins on the leader (they wait for the peer), measures the heap they hold, then
 * starts the follower's and times until all have resolved; checks every result.
 */
export async function benchScale(pair: { leader: Session; follower: Session }, ops: number): Promise<ScaleResult> {
  const run = ++runs
  let peakRss = 0
  let peakHeap = 0
  const sample = (): void => {
    const usage = process.memoryUsage()
    peakRss = Math.max(peakRss, usage.rss)
    peakHeap = Math.max(peakHeap, usage.heapUsed)
  }
  gc()
  const heapBefore = process.memoryUsage().heapUsed
  const leaderSide = Array.from({ length: ops }, (_, i) => pair.leader.join(() => i, { key: `scale:${run}:${i}` }))
  gc()
  sample()
  const heapPending = process.memoryUsage().heapUsed
  const started = performance.now()
  const followerSide = Array.from({ length: ops }, (_, i) => pair.follower.join(() => -i, { key: `scale:${run}:${i}` }))
  const timer = setInterval(sample, 5)
  const [mine, theirs] = await Promise.all([Promise.all(leaderSide), Promise.all(followerSide)])
  const completeMs = performance.now() - started
  clearInterval(timer)
  sample()
  for (let i = 0; i < ops; i++) {
    if (mine[i] !== i || theirs[i] !== -i) throw new Error(`scale: join ${i} resolved with ${mine[i]} / ${theirs[i]}`)
  }
  return {
    ops,
    completeMs,
    heapPerPendingOp: (heapPending - heapBefore) / ops,
    peakRssMB: peakRss / 1e6,
    peakHeapMB: peakHeap / 1e6,
  }
}
