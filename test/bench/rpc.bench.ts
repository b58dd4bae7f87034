/**
 * The rpc rows: call latency and cancel-to-handler time against the raw RTT on the same
 * connection, messages per call, streamed throughput against the channel's bulk transfer, and the
 * heap a pending call holds. Not a test; `npm run bench` (or `-- --rpc` for these rows alone)
 * runs it over a real DataChannel.
 */
import type { Rpc, Session } from '../../src/session.js'
import { openSessions, type SessionPair } from '../helpers/session-pair.js'
import { nodeDataChannelPair } from '../helpers/webrtc-pair.js'
import { bulkRun } from './channel.bench.js'
import { alternateBlocks, pairedLatencyRow, pairedRounds, wholeRound } from './paired.js'
import { rawPinger } from './raw.bench.js'
import type { Report } from './report.js'
import { timeRounds } from './stats.js'

const CHUNK = 64 * 1024

interface BenchApi {
  echo(n: number): number
  /** Waits for its signal; tells the bench (same process) when it started and when it aborted. */
  hang(i: number): void
  /** Resolves once the bench opens the gate. */
  park(i: number): void
  chunks(count: number): AsyncIterable<Uint8Array>
}

/** What the handler side reports to the bench, in this process: both peers run here. */
class HandlerWatch {
  started: ((i: number) => void) | undefined
  aborted: ((i: number) => void) | undefined
  startedCount = 0
  gate: Promise<void> = Promise.resolve()
}

function serve(session: Session, watch: HandlerWatch): void {
  const chunk = new Uint8Array(CHUNK).fill(7)
  session.rpc<BenchApi>('bench').handle({
    echo: (n) => n,
    hang: (i, { signal }) =>
      new Promise<void>((_, reject) => {
        signal.addEventListener('abort', () => {
          watch.aborted?.(i)
          reject(signal.reason as Error)
        })
        watch.startedCount++
        watch.started?.(i)
      }),
    park: () => {
      watch.startedCount++
      watch.started?.(0)
      return watch.gate
    },
    async *chunks(count) {
      for (let i = 0; i < count; i++) yield chunk
    },
  })
}

export interface RpcBenchSize {
  rounds: number
  /**
   * Rounds of each latency row run before it is timed, so that the rows time the steady state
   * (see STEADY_STATE_ROUNDS in locks.bench.ts). Measured over node-datachannel (interleaved
   * blocks, 1,000 rounds): the call took 1.48× the raw RTT after 300 warm-up calls and 1.23× after
   * 4,000; the cancel, which had no warm-up of its own, 1.11× and 0.95×.
   */
  warmUp: number
  bulkBytes: number
  pending: number
}

function gc(): void {
  ;(globalThis as { gc?: () => void }).gc?.()
}

/** Opens a node-datachannel session pair with a raw baseline channel beside it and adds the rpc rows. */
export async function benchRpc(report: Report, size: RpcBenchSize): Promise<void> {
  const impl = 'node-datachannel'
  const frames = await nodeDataChannelPair({}, 'baseline')
  const raw = frames.raw.baseline
  if (raw === undefined) throw new Error('the frame pair has no baseline channel')
  const pinger = rawPinger(raw)
  const pair = await openSessions([frames.a, frames.b], { leader: { heartbeatMs: 1000 }, follower: { heartbeatMs: 1000 } })
  const watch = new HandlerWatch()
  serve(pair.follower, watch)
  const api = pair.leader.rpc<BenchApi>('bench')
  try {
    const baseline = wholeRound(pinger.round)
    await timeRounds(Math.min(200, size.rounds), baseline)
    await timeRounds(size.warmUp, (i) => api.call.echo(i))
    pair.resetCounts()
    const latency = await pairedRounds(size.rounds, wholeRound(async (i) => {
      if ((await api.call.echo(i)) !== i) throw new Error(`rpc bench: echo ${i} came back wrong`)
    }), baseline)
    const perCall = pair.totalMessages() / size.rounds
    report.add(pairedLatencyRow('rpc call latency', impl, latency, 1.05, `${perCall} messages per call; `))
    report.add({ name: 'wire: rpc call', impl, median: perCall, unit: 'messages', target: '2', met: perCall === 2 })
    await timeRounds(size.warmUp, (i) => cancelReachesHandler(api, watch, i))
    const cancel = await pairedRounds(size.rounds, (i) => cancelReachesHandler(api, watch, i), baseline)
    report.add(pairedLatencyRow('rpc cancel reaching the handler', impl, cancel, 1, 'from the caller’s abort to the handler’s signal; '))
    pinger.dispose()
    const stream = await streamVsChannel(pair, api, size.bulkBytes)
    report.add({
      name: 'rpc streamed throughput',
      impl,
      median: stream.rpcMBps,
      unit: 'MB/s',
      baseline: 'channel bulk (paired)',
      ratio: stream.rpcMBps / stream.channelMBps,
      target: '≥ 0.9× channel bulk',
      met: stream.rpcMBps / stream.channelMBps >= 0.9,
      note: `64 KiB items from an async generator; channel bulk on the same sessions, in alternating blocks: ${stream.channelMBps.toFixed(1)} MB/s`,
    })
    const memory = await pendingMemory(api, watch, size.pending)
    report.add({ name: 'memory per pending rpc call', impl, median: memory.caller, unit: 'bytes', target: '≤ 1024', met: memory.caller <= 1024, note: `caller side, ${size.pending} calls; the callee holds ${memory.callee.toFixed(0)} bytes per running call` })
  } finally {
    pinger.dispose()
    await pair.close()
    await frames.close()
  }
}

/** One call reaches its handler, then the caller aborts: the time until the handler's signal aborts. */
async function cancelReachesHandler(api: Rpc<BenchApi>, watch: HandlerWatch, i: number): Promise<number> {
  const controller = new AbortController()
  const started = new Promise<void>((resolve) => (watch.started = (n) => n === i && resolve()))
  const call = api.call.hang(i, { signal: controller.signal }).catch(() => undefined)
  await started
  const aborted = new Promise<void>((resolve) => (watch.aborted = (n) => n === i && resolve()))
  const at = performance.now()
  controller.abort()
  await aborted
  const ms = performance.now() - at
  await call
  return ms
}

async function streamVsChannel(pair: SessionPair, api: Rpc<BenchApi>, bytes: number): Promise<{ rpcMBps: number; channelMBps: number }> {
  const blocks = 8
  const count = Math.max(1, Math.ceil(bytes / blocks / CHUNK))
  const streamRun = async (): Promise<number> => {
    const started = performance.now()
    let received = 0
    for await (const chunk of api.stream.chunks(count)) {
      if (chunk.length !== CHUNK) throw new Error(`rpc bench: a ${chunk.length}-byte item arrived`)
      received++
    }
    if (received !== count) throw new Error(`rpc bench: ${received} of ${count} items arrived`)
    return performance.now() - started
  }
  await streamRun()
  await bulkRun(pair, count * CHUNK)
  let rpcMs = 0
  let channelMs = 0
  await alternateBlocks(
    blocks,
    async () => {
      rpcMs += await streamRun()
    },
    async () => {
      channelMs += await bulkRun(pair, count * CHUNK)
    },
  )
  const total = (blocks * count * CHUNK) / 1e6
  return { rpcMBps: total / (rpcMs / 1000), channelMBps: total / (channelMs / 1000) }
}

/**
 * The heap `n` pending calls (no signal) hold on the caller, measured synchronously right after
 * they were made, before any reached the peer (it runs in this process too; the frames waiting
 * for the transport are counted), then on the callee once every handler runs. As the join row.
 */
async function pendingMemory(api: Rpc<BenchApi>, watch: HandlerWatch, n: number): Promise<{ caller: number; callee: number }> {
  let open!: () => void
  watch.gate = new Promise<void>((resolve) => (open = resolve))
  watch.aborted = undefined
  const base = watch.startedCount
  const allStarted = new Promise<void>((resolve) => (watch.started = () => watch.startedCount - base >= n && resolve()))
  gc()
  const before = process.memoryUsage().heapUsed
  const calls = Array.from({ length: n }, (_, i) => api.call.park(i))
  gc()
  const callerOnly = process.memoryUsage().heapUsed
  await allStarted
  gc()
  const both = process.memoryUsage().heapUsed
  open()
  await Promise.all(calls)
  watch.started = undefined
  return { caller: (callerOnly - before) / n, callee: (both - callerOnly) / n }
}
