import { isNetError } from '../../src/base/errors.js'
import type { SessionPair } from '../helpers/session-pair.js'

/** Messages and bytes one operation puts on the wire (both sides together). */
export interface WireCost {
  readonly messages: number
  readonly bytes: number
  /** What the Rust original sends for the same operation (research/netbeam.md). */
  readonly original: string
}

let runs = 0

function lateIsAnOutcome(err: unknown): 'late' {
  if (isNetError(err, 'late')) return 'late'
  throw err
}

/**
 * Runs one operation of each kind with a counting wrapper on both sides and reports the port
 * messages and bytes it cost. Heartbeats and clock probes are not counted.
 */
export async function benchWireCosts(pair: SessionPair): Promise<Record<string, WireCost>> {
  const { leader, follower } = pair
  const run = ++runs
  const out: Record<string, WireCost> = {}
  async function measure(name: string, original: string, op: () => Promise<unknown>): Promise<void> {
    await op() // once to set up (a lock's token, a channel's credit), then measured
    pair.resetCounts()
    await op()
    out[name] = {
      messages: pair.leaderCounts.total + pair.followerCounts.total,
      bytes: pair.leaderCounts.bytes + pair.followerCounts.bytes,
      original,
    }
  }
  let n = 0
  const both = <T>(f: (s: typeof leader, key: string) => Promise<T>) => async () => {
    const key = `wire:${run}:${n++}`
    return Promise.all([f(leader, key), f(follower, key)])
  }
  await measure('join', '≥ 3 + 2 close, plus a ping per RTT while one side waits', both((s, key) => s.join(() => 1, { key })))
  await measure('tryJoin', '≥ 3 + 2 close, plus pings while waiting', both((s, key) => s.tryJoin(() => 1, { key })))
  await measure('select', '≥ 3 + 2 close, plus pings while waiting', both((s, key) => s.select(() => 1, { key })))
  await measure('trySelect', '≥ 3 + 2 close, plus pings while waiting', both((s, key) => s.trySelect(() => 1, { key })))
  await measure('exchange', '3 + 2 close', both((s, key) => s.exchange({ x: 1 }, { key })))
  // A start refused as `late` (a stall longer than any the session measured, on a busy machine)
  // costs the same four messages: ready, start, and each side's final done or abort.
  await measure('syncStart', '3 + 2 close', both((s, key) => s.syncStart(() => 1, { key, delayMs: 5 }).catch(lateIsAnOutcome)))

  // Opening a scope sends nothing: an exchange in a scope opened for it costs what one in the
  // session's root costs (its key names the scope: a few bytes more). Closing costs one scopeEnd
  // frame per side (session frames: not counted here, like heartbeats).
  const opened: { close(): Promise<void> }[] = []
  await measure('exchange in a new scope', '3 + 2 close in a sub-stream; opening one is 0 messages for the first 32, then 2 and a round trip', async () => {
    const name = `wire.scope#${run}:${n++}`
    const scopes = [leader.scope(name), follower.scope(name)] as const
    opened.push(...scopes)
    await Promise.all([scopes[0].exchange({ x: 1 }), scopes[1].exchange({ x: 1 })])
  })
  const inScope = out['exchange in a new scope']!
  out['opening a scope'] = {
    messages: inScope.messages - out['exchange']!.messages,
    bytes: inScope.bytes - out['exchange']!.bytes,
    original: '0 for the first 32 sub-streams, then PreCreate + echo (2 messages, a round trip)',
  }
  await Promise.all(opened.map((scope) => scope.close()))

  const mutexes = [leader.mutex<number>(`wire.mutex#${run}`, { initial: 0 }), follower.mutex<number>(`wire.mutex#${run}`)] as const
  await measure('mutex re-lock by holder', '7 (every lock is remote)', () => mutexes[0].withLock((g) => void (g.value += 1)))
  // The set-up run takes the token to the follower (and carries each side's first message); the
  // measured run is one hand-off back to the leader.
  let turn = 1
  await measure('mutex hand-off', '7, value copied both ways', () => mutexes[turn++ % 2]!.withLock((g) => void (g.value += 1)))

  // A write on the holder with the peer watching: one update, counted once the peer has seen it.
  const key = `wire.watched#${run}`
  const watched = [leader.mutex<number>(key, { initial: 0, watch: true }), follower.mutex<number>(key, { watch: true })] as const
  let published = 0
  await measure('mutex write published to a watching peer', '7 (the peer locks to see it)', async () => {
    const target = ++published
    const seen = new Promise<void>((resolve) => {
      const onChange = (value: number): void => {
        if (value !== target) return
        watched[1].off('change', onChange)
        resolve()
      }
      watched[1].on('change', onChange)
    })
    await watched[0].withLock((g) => void (g.value = target))
    await seen
  })

  const locks = [leader.rwlock<number>(`wire.rw#${run}`, { initial: 0 }), follower.rwlock<number>(`wire.rw#${run}`)] as const
  let phase = 0
  await measure('rwlock read after a write (peer)', '7', async () => {
    await locks[0].withWrite((g) => void (g.value = ++phase))
    await locks[1].withRead((g) => g.value)
  })

  const channels = [leader.channel<number>(`wire.ch#${run}`), follower.channel<number>(`wire.ch#${run}`)] as const
  const iterator = channels[1][Symbol.asyncIterator]()
  await measure('channel message', '1', async () => {
    await channels[0].send(1)
    await iterator.next()
  })
  await Promise.all([channels[0].close(), channels[1].close()])
  return out
}
