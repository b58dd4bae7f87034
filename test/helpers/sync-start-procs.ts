/**
 * Two netbeam peers in two child processes (sync-start-child.ts), joined by one real WebRTC
 * DataChannel (node-datachannel on 127.0.0.1) whose signalling this process relays over IPC.
 * Used by the two-process syncStart test and the clock benchmark. Every child is killed on
 * close, on any timeout, and when this process exits.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import type { NetErrorCode } from '../../src/base/errors.js'
import type { ClockEstimate } from '../../src/clock/clock-tracker.js'

/** What one side's signalling carries: a description or a candidate. */
export interface SignalData {
  type?: 'offer' | 'answer'
  sdp?: string
  candidate?: { candidate: string; sdpMid: string | null; sdpMLineIndex: number | null }
}

/** Parent → child. */
export type ChildCommand =
  | { t: 'init'; role: 'leader' | 'follower'; skewMs: number }
  | { t: 'signal'; data: SignalData }
  | { t: 'sync'; id: number; key: string; delayMs: number }
  | { t: 'many'; id: number; n: number; prefix: string; delayMs: number | undefined }
  | { t: 'floor'; id: number; targetHr: string }
  | { t: 'close' }

/** Child → parent. */
export type ChildReport =
  | { t: 'signal'; data: SignalData }
  | { t: 'open'; clock: ClockEstimate; clockBase: [number, number] }
  | { t: 'synced'; id: number; hr: string; agreedHr: readonly [string, string]; lateByMs: number; clock: ClockEstimate }
  | { t: 'synced'; id: number; failed: NetErrorCode; message: string }
  | { t: 'many-done'; id: number; ok: number; failed: number; firstError: string | undefined }
  | { t: 'fired'; id: number; hr: string }
  | { t: 'closed' }
  | { t: 'error'; id: number; message: string }

/** One synchronized start on both processes, as {@link PeerProcesses.syncStart} reports it. */
export type RoundResult =
  | {
      ok: true
      leaderHr: bigint
      followerHr: bigint
      /** When each side's view of the timeline read the agreed instant: between these hrtimes (ns). */
      agreedHr: [[bigint, bigint], [bigint, bigint]]
      lateByMs: [number, number]
      /** The follower's clock estimate when it started. */
      clock: ClockEstimate
    }
  | { ok: false; codes: [NetErrorCode | 'ok', NetErrorCode | 'ok'] }

/** Options for {@link startPeerProcesses}. */
export interface PeerProcessOptions {
  /** Added to the follower's clock (ms), so its start depends on the clock estimate. */
  skewMs: number
  /** Pin the leader to CPU 0 and the follower to CPU 1 with `taskset`. */
  pin?: boolean
  /** Any single step (connect, one round) that takes longer fails and kills both children. */
  stepTimeoutMs?: number
}

/** The running pair. */
export interface PeerProcesses {
  /** The follower's clock estimate when its session opened (offset to the leader's clock). */
  readonly openClock: ClockEstimate
  /**
   * The true offset of the leader's clock to the follower's (ms), between these two values: each
   * process's clock against hrtime, one monotonic clock for the whole machine. Not just the
   * injected skew: `performance.timeOrigin` of two processes can differ by a fraction of a
   * millisecond, more when one was descheduled while it started.
   */
  readonly trueOffset: [number, number]
  /**
   * One syncStart on both: hrtime of each start (ns, as bigint) and each side's `lateByMs`; or,
   * when a side refused to start (NetError `late`, …), the codes each side settled with.
   */
  syncStart(key: string, delayMs: number): Promise<RoundResult>
  /** Both wait for one hrtime instant `leadMs` ahead, with no network involved; hrtime of each. */
  floor(leadMs: number): Promise<{ leaderHr: bigint; followerHr: bigint }>
  /** `n` concurrent syncStarts on both sides; how many settled each way, per side. */
  many(n: number, delayMs?: number): Promise<{ ok: number; failed: number; firstError: string | undefined }[]>
  /** Closes both sessions; kills any child that has not exited within the step timeout. */
  close(): Promise<void>
}

const CHILD = fileURLToPath(new URL('./sync-start-child.ts', import.meta.url))
const REPO = fileURLToPath(new URL('../..', import.meta.url))
const USE_DIST = fileURLToPath(new URL('../bench/use-dist.mjs', import.meta.url))

/** True when `taskset` can pin processes here (Linux with util-linux). */
export async function canPin(): Promise<boolean> {
  return new Promise((resolve) => {
    const p = spawn('taskset', ['-c', '0', 'true'], { stdio: 'ignore' })
    p.on('error', () => resolve(false))
    p.on('exit', (code) => resolve(code === 0))
  })
}

/** Starts both children, connects them, and opens a session on each (leader unskewed). */
export async function startPeerProcesses(options: PeerProcessOptions): Promise<PeerProcesses> {
  const stepTimeoutMs = options.stepTimeoutMs ?? 20_000
  // Under the bench's use-dist hook, the children run the built library too.
  const dist = process.env['NETBEAM_BENCH_DIST'] === '1' ? ['--import', USE_DIST] : []
  const node = [process.execPath, '--import', 'tsx', ...dist, CHILD]
  const launch = (cpu: string): ChildProcess => {
    const [cmd, ...args] = options.pin === true ? ['taskset', '-c', cpu, ...node] : node
    return spawn(cmd!, args, { cwd: REPO, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] })
  }
  const children = [launch('0'), launch('1')] as const
  const killAll = (): void => {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL')
  }
  process.once('exit', killAll)
  const waiters = new Map<string, { resolve: (r: ChildReport) => void; reject: (e: Error) => void }>()
  let failure: Error | undefined
  const fail = (err: Error): void => {
    failure ??= err
    killAll()
    for (const w of waiters.values()) w.reject(err)
    waiters.clear()
  }
  /** Resolves with child `side`'s next report of type `t` (and `id`), or fails after the step timeout. */
  const next = (side: 0 | 1, t: ChildReport['t'], id = -1): Promise<ChildReport> =>
    new Promise((resolve, reject) => {
      if (failure !== undefined) return reject(failure)
      const key = `${side}:${t}:${id}`
      const timer = setTimeout(() => fail(new Error(`peer process ${side}: no "${t}" within ${stepTimeoutMs} ms`)), stepTimeoutMs)
      const done = <T>(settle: (v: T) => void) => (v: T) => {
        clearTimeout(timer)
        waiters.delete(key)
        settle(v)
      }
      waiters.set(key, { resolve: done(resolve), reject: done(reject) })
    })
  children.forEach((child, side) => {
    child.on('exit', (code, signal) => {
      if (code !== 0) fail(new Error(`peer process ${side} exited (code ${code}, signal ${signal})`))
    })
    child.on('message', (report: ChildReport) => {
      if (report.t === 'signal') return children[1 - side]!.send({ t: 'signal', data: report.data } satisfies ChildCommand)
      if (report.t === 'error') return fail(new Error(`peer process ${side}: ${report.message}`))
      const id = 'id' in report ? report.id : -1
      waiters.get(`${side}:${report.t}:${id}`)?.resolve(report)
    })
  })
  const command = (side: 0 | 1, cmd: ChildCommand): void => {
    children[side].send(cmd)
  }
  const both = async <R extends ChildReport>(t: R['t'], cmd: (side: 0 | 1) => ChildCommand, id = -1): Promise<[R, R]> => {
    const replies = Promise.all([next(0, t, id), next(1, t, id)])
    command(0, cmd(0))
    command(1, cmd(1))
    return (await replies) as [R, R]
  }
  let ids = 0
  try {
    const opened = await both<Extract<ChildReport, { t: 'open' }>>('open', (side) => ({
      t: 'init',
      role: side === 0 ? 'leader' : 'follower',
      skewMs: side === 0 ? 0 : options.skewMs,
    }))
    const [leaderBase, followerBase] = [opened[0].clockBase, opened[1].clockBase]
    return {
      openClock: opened[1].clock,
      trueOffset: [leaderBase[0] - followerBase[1], leaderBase[1] - followerBase[0]],
      async syncStart(key, delayMs) {
        const id = ++ids
        const [l, f] = await both<Extract<ChildReport, { t: 'synced' }>>('synced', () => ({ t: 'sync', id, key, delayMs }), id)
        if ('failed' in l || 'failed' in f) return { ok: false, codes: ['failed' in l ? l.failed : 'ok', 'failed' in f ? f.failed : 'ok'] }
        const bracket = ({ agreedHr: [lo, hi] }: typeof l): [bigint, bigint] => [BigInt(lo), BigInt(hi)]
        return { ok: true, leaderHr: BigInt(l.hr), followerHr: BigInt(f.hr), agreedHr: [bracket(l), bracket(f)], lateByMs: [l.lateByMs, f.lateByMs], clock: f.clock }
      },
      async floor(leadMs) {
        const id = ++ids
        const targetHr = String(process.hrtime.bigint() + BigInt(Math.round(leadMs * 1e6)))
        const [l, f] = await both<Extract<ChildReport, { t: 'fired' }>>('fired', () => ({ t: 'floor', id, targetHr }), id)
        return { leaderHr: BigInt(l.hr), followerHr: BigInt(f.hr) }
      },
      async many(n, delayMs) {
        const id = ++ids
        const many = (): ChildCommand => ({ t: 'many', id, n, prefix: `many${id}:`, delayMs })
        const replies = await both<Extract<ChildReport, { t: 'many-done' }>>('many-done', many, id)
        return replies.map(({ ok, failed, firstError }) => ({ ok, failed, firstError }))
      },
      async close() {
        try {
          if (failure === undefined) await both('closed', () => ({ t: 'close' }))
        } finally {
          killAll()
          process.off('exit', killAll)
        }
      },
    }
  } catch (err) {
    fail(err instanceof Error ? err : new Error(String(err)))
    process.off('exit', killAll)
    throw err
  }
}

/** |a − b| in ms, for two hrtime readings in ns. */
export function hrDiffMs(a: bigint, b: bigint): number {
  return Math.abs(Number(a - b)) / 1e6
}
