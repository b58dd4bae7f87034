import type { Session } from '../../src/session.js'
import type { TypedChannel } from '../../src/ops/channel/typed-channel.js'
import { alternateBlocks } from './paired.js'

/** What one small-message benchmark value looks like: about 64 bytes once encoded. */
interface Small {
  readonly i: number
  readonly at: number
  readonly pad: string
}

let runs = 0

/** What {@link benchTypedChannel} measured; throughputs are total bytes over total time. */
export interface ChannelBenchResult {
  smallMsgsPerSec: number
  bulkMBps: number
  /** The raw baseline, timed in blocks alternating with the channel's (when one was given). */
  baselineMBps?: number
}


/**
 * Throughput of `session.channel` from the leader to the follower: `smallCount` small objects
 * (~64 bytes encoded) sent one awaited `send` after another, then `bulkBytes` in 64 KiB Uint8Array
 * chunks. The clock runs from the first send until the reader has taken the last value; the
 * reader checks order and sizes. A short warm-up runs first so that both paths are compiled.
 * The bulk transfer is timed in blocks that alternate with `baseline` (the same bytes straight
 * over a raw channel on the same connection, returning MB/s), so that both see the same drift.
 */
export async function benchTypedChannel(
  pair: { leader: Session; follower: Session },
  opts: {
    smallCount: number
    bulkBytes: number
    baseline?: (bytes: number) => Promise<number>
    /** Blocks the bulk transfer is split into, alternating with the baseline's. @default 4 */
    blocks?: number
  },
): Promise<ChannelBenchResult> {
  await smallRun(pair, Math.min(2000, opts.smallCount))
  const smallMs = await smallRun(pair, opts.smallCount)
  // Bulk warm-ups right before the bulk blocks: on @roamhq/wrtc, a raw transfer just after the
  // small-message run was measured at a fifth of its usual speed.
  const { baseline } = opts
  await bulkRun(pair, Math.min(4 * 1024 * 1024, opts.bulkBytes))
  await baseline?.(Math.min(4 * 1024 * 1024, opts.bulkBytes))
  const blocks = opts.blocks ?? 4
  const blockBytes = chunksFor(opts.bulkBytes / blocks) * BULK_CHUNK
  let bulkMs = 0
  let baselineMs = 0
  await alternateBlocks(
    blocks,
    async () => {
      bulkMs += await bulkRun(pair, blockBytes)
    },
    async () => {
      if (baseline !== undefined) baselineMs += (blockBytes / 1e6 / (await baseline(blockBytes))) * 1000
    },
  )
  const total = (blocks * blockBytes) / 1e6
  const result = { smallMsgsPerSec: opts.smallCount / (smallMs / 1000), bulkMBps: total / (bulkMs / 1000) }
  return baseline === undefined ? result : { ...result, baselineMBps: total / (baselineMs / 1000) }
}

const BULK_CHUNK = 64 * 1024
const PAD = 'x'.repeat(40)

function chunksFor(bytes: number): number {
  return Math.max(1, Math.ceil(bytes / BULK_CHUNK))
}

function open<T>(pair: { leader: Session; follower: Session }, name: string): [TypedChannel<T>, TypedChannel<T>] {
  const key = `bench-${name}-${++runs}`
  return [pair.leader.channel<T>(key), pair.follower.channel<T>(key)]
}

/** Sends `count` small values; returns the elapsed ms. */
async function smallRun(pair: { leader: Session; follower: Session }, count: number): Promise<number> {
  const [tx, rx] = open<Small>(pair, 'small')
  const reading = (async () => {
    let next = 0
    for await (const value of rx) {
      if (value.i !== next) throw new Error(`channel bench: value ${value.i} arrived where ${next} was due`)
      next++
    }
    return next
  })()
  const started = performance.now()
  for (let i = 0; i < count; i++) await tx.send({ i, at: started, pad: PAD })
  await tx.close()
  const received = await reading
  const elapsed = performance.now() - started
  if (received !== count) throw new Error(`channel bench: ${received} of ${count} small values arrived`)
  await finish(tx, rx)
  return elapsed
}

/** Sends `bytes` in 64 KiB chunks; returns the elapsed ms. */
export async function bulkRun(pair: { leader: Session; follower: Session }, bytes: number): Promise<number> {
  const [tx, rx] = open<Uint8Array>(pair, 'bulk')
  const count = chunksFor(bytes)
  const chunk = new Uint8Array(BULK_CHUNK).fill(7)
  const reading = (async () => {
    let total = 0
    for await (const value of rx) {
      if (value.length !== BULK_CHUNK) throw new Error(`channel bench: a ${value.length}-byte chunk arrived`)
      total += value.length
    }
    return total
  })()
  const started = performance.now()
  for (let i = 0; i < count; i++) await tx.send(chunk)
  await tx.close()
  const received = await reading
  const elapsed = performance.now() - started
  if (received !== count * BULK_CHUNK) throw new Error(`channel bench: ${received} of ${count * BULK_CHUNK} bytes arrived`)
  await finish(tx, rx)
  return elapsed
}

async function finish<T>(tx: TypedChannel<T>, rx: TypedChannel<T>): Promise<void> {
  await rx.close()
  await Promise.all([tx.closed, rx.closed])
}
