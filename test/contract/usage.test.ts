/**
 * The usage contract: every public entry point refuses a bad argument with NetError `usage` whose
 * message names the argument ("<name> must …"). Synchronous calls throw; calls that return a
 * promise never throw and reject instead.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { fromDataChannel, fromSimplePeer, fromWebSocket, memoryPair, NetError, Session } from '../../src/index.js'
import type { DataChannelLike, FrameChannelOptions, SimplePeerLike, WebSocketLike } from '../../src/index.js'
import { memorySessions } from '../helpers/session-pair.js'
import { rejectionOf } from '../helpers/promises.js'
import { expectKeyFree } from '../helpers/session-probes.js'

type Mode = 'throws' | 'rejects'

/** One bad call: what it is, the argument it gets wrong, how it must refuse, and the call itself. */
interface Row {
  readonly call: string
  readonly name: string
  readonly bad: unknown
  readonly mode: Mode
  readonly run: () => unknown
}

/** Values no option or argument of netbeam accepts in place of a number. */
const NOT_A_COUNT = [NaN, Infinity, -Infinity, -1, 1.5, '8', null, {}] as const

function show(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value.length > 20 ? `${value.slice(0, 20)}…` : value)
  if (typeof value === 'function') return 'a function'
  if (typeof value === 'number' || typeof value === 'symbol' || value === undefined) return String(value)
  if (value instanceof AbortController) return 'an AbortController'
  try {
    return JSON.stringify(value) ?? String(value)
  } catch {
    return String(value)
  }
}

/** How the call refused: thrown synchronously, or returned as a rejected promise. */
async function refusal(run: () => unknown): Promise<{ mode: Mode | 'accepted'; error: unknown }> {
  let result: unknown
  try {
    result = run()
  } catch (error) {
    return { mode: 'throws', error }
  }
  if (!(result instanceof Promise)) return { mode: 'accepted', error: undefined }
  return { mode: 'rejects', error: await rejectionOf(result) }
}

function expectRefused(row: Row, outcome: { mode: Mode | 'accepted'; error: unknown }): void {
  expect(outcome.mode).toBe(row.mode)
  expect(outcome.error).toBeInstanceOf(NetError)
  const err = outcome.error as NetError
  expect(err.code).toBe('usage')
  expect(err.message).toContain(`${row.name} must`)
}

// Objects with the shape of each transport and nothing behind them: a bad option is refused before
// the adapter touches its transport, so these never send or receive anything.
const dataChannel = (): DataChannelLike => ({
  readyState: 'connecting',
  binaryType: 'blob',
  bufferedAmount: 0,
  send() {},
  close() {},
  addEventListener() {},
  removeEventListener() {},
})
const simplePeer = (): SimplePeerLike => ({ connected: false, destroyed: false, bufferSize: 0, send() {}, destroy() {}, on() {}, removeListener() {} })
const webSocket = (): WebSocketLike => ({
  readyState: 0,
  binaryType: 'blob',
  bufferedAmount: 0,
  send() {},
  close() {},
  addEventListener() {},
  removeEventListener() {},
})

const adapters: [string, (options: unknown) => unknown][] = [
  ['fromDataChannel', (options) => fromDataChannel(dataChannel(), options as FrameChannelOptions)],
  ['fromSimplePeer', (options) => fromSimplePeer(simplePeer(), options as FrameChannelOptions)],
  ['fromWebSocket', (options) => fromWebSocket(webSocket(), options as FrameChannelOptions)],
  ['memoryPair', (options) => memoryPair(options as FrameChannelOptions)],
]

function frameChannelRows(): Row[] {
  const rows: Row[] = []
  const bad: [string, unknown[]][] = [
    ['chunkBytes', [63, 0, ...NOT_A_COUNT]],
    ['maxFrameBytes', [0, 2 ** 32, ...NOT_A_COUNT]],
    ['highWaterBytes', [...NOT_A_COUNT]],
    ['lowWaterBytes', [...NOT_A_COUNT]],
    ['drainPollMs', [0, -5, NaN, Infinity, '5', 2 ** 31]],
  ]
  for (const [call, open] of adapters) {
    for (const options of [null, 5, 'fast', []]) rows.push({ call, name: 'options', bad: options, mode: 'throws', run: () => open(options) })
    for (const [name, values] of bad) {
      for (const value of values) rows.push({ call, name, bad: value, mode: 'throws', run: () => open({ [name]: value }) })
    }
    const inverted = { highWaterBytes: 100, lowWaterBytes: 200 }
    rows.push({ call, name: 'lowWaterBytes', bad: inverted, mode: 'throws', run: () => open(inverted) })
  }
  for (const [name, value] of [['latencyMs', -1], ['latencyMs', NaN], ['latencyMs', Infinity], ['latencyMs', '1'], ['jitterMs', -1], ['jitterMs', NaN], ['random', 5]] as const) {
    rows.push({ call: 'memoryPair', name, bad: value, mode: 'throws', run: () => memoryPair({ [name]: value }) })
  }
  const transports: [string, string, (value: unknown) => unknown][] = [
    ['fromDataChannel', 'dc', (dc) => fromDataChannel(dc as DataChannelLike)],
    ['fromSimplePeer', 'peer', (peer) => fromSimplePeer(peer as SimplePeerLike)],
    ['fromWebSocket', 'ws', (ws) => fromWebSocket(ws as WebSocketLike)],
  ]
  for (const [call, name, wrap] of transports) {
    for (const value of [undefined, null, 'dc', 5, { send() {} }]) rows.push({ call, name, bad: value, mode: 'throws', run: () => wrap(value) })
  }
  return rows
}

/** Channels handed to Session.open, closed after the suite (a refused open never touches them). */
const unusedChannels: { close(): void }[] = []
function unusedChannel(): ReturnType<typeof memoryPair>[0] {
  const [a, b] = memoryPair()
  unusedChannels.push(a, b)
  return a
}
afterAll(() => unusedChannels.forEach((c) => c.close()))

function sessionOpenRows(): Row[] {
  const rows: Row[] = []
  const open = (options: unknown): Promise<Session> => Session.open(unusedChannel(), options as never)
  const bad: [string, unknown[]][] = [
    ['role', ['boss', 1, null]],
    ['signal', [{}, new AbortController(), 'abort']],
    ['heartbeatMs', [0, -1, NaN, Infinity, '1000', 2 ** 31]],
    ['timeoutMs', [0, -5, NaN, Infinity, '5000']],
    ['maxFrameBytes', [1023, 2 ** 32, ...NOT_A_COUNT]],
    ['maxPendingMessages', [...NOT_A_COUNT]],
    ['maxDepth', [0, ...NOT_A_COUNT]],
    ['maxItems', [0, ...NOT_A_COUNT]],
    ['clockBurst', [...NOT_A_COUNT]],
    ['now', [5, 'now', {}]],
    ['random', [5, 'random']],
    ['protocolVersion', [-1, 1.5, NaN]],
  ]
  for (const options of [null, 'fast', 5, []]) rows.push({ call: 'Session.open', name: 'options', bad: options, mode: 'rejects', run: () => open(options) })
  for (const [name, values] of bad) {
    for (const value of values) rows.push({ call: 'Session.open', name, bad: value, mode: 'rejects', run: () => open({ [name]: value }) })
  }
  for (const [heartbeatMs, timeoutMs] of [[1000, 1000], [1000, 500], [undefined, 1000]]) {
    const options = { heartbeatMs, timeoutMs }
    rows.push({ call: 'Session.open', name: 'timeoutMs', bad: options, mode: 'rejects', run: () => open(options) })
  }
  for (const channel of [undefined, null, {}, 'channel', { send() {}, close() {} }]) {
    rows.push({ call: 'Session.open', name: 'channel', bad: channel, mode: 'rejects', run: () => Session.open(channel as never) })
  }
  return rows
}

describe('invalid options of the channel adapters and Session.open', () => {
  for (const row of [...frameChannelRows(), ...sessionOpenRows()]) {
    it(`${row.call}: ${row.name} = ${show(row.bad)} → NetError usage (${row.mode})`, async () => {
      expectRefused(row, await refusal(row.run))
    })
  }
})

describe('invalid arguments of session calls', () => {
  let pair: Awaited<ReturnType<typeof memorySessions>>
  beforeAll(async () => {
    pair = await memorySessions({ latencyMs: 1 })
  })
  afterAll(() => pair.close())

  const BAD_KEYS = ['', 'k'.repeat(257), 5, null, {}, Symbol('k')]
  const BAD_SIGNALS = [{}, 'signal', new AbortController(), { aborted: false }]
  const BAD_FUNCTIONS = [undefined, null, 5, 'fn', {}]
  const BAD_OPTIONS = [null, 'k', 5]
  let keys = 0
  /** A fresh key for rows that are not about the key (the peer never answers them). */
  const key = (): string => `usage-${++keys}`

  function rows(): Row[] {
    const s = (): Session => pair.leader
    const out: Row[] = []
    const add = (call: string, name: string, mode: Mode, values: readonly unknown[], run: (value: unknown) => unknown): void => {
      for (const bad of values) out.push({ call, name, bad, mode, run: () => run(bad) })
    }
    const task = (): number => 1
    for (const op of ['join', 'tryJoin', 'select', 'trySelect'] as const) {
      const call = (fn: unknown, options: unknown): unknown => s()[op](fn as () => number, options as never)
      add(`session.${op}`, 'fn', 'rejects', BAD_FUNCTIONS, (fn) => call(fn, { key: key() }))
      add(`session.${op}`, 'options', 'rejects', BAD_OPTIONS, (options) => call(task, options))
      add(`session.${op}`, 'key', 'rejects', BAD_KEYS, (k) => call(task, { key: k }))
      add(`session.${op}`, 'signal', 'rejects', BAD_SIGNALS, (signal) => call(task, { key: key(), signal }))
    }
    add('session.exchange', 'options', 'rejects', BAD_OPTIONS, (options) => s().exchange(1, options as never))
    add('session.exchange', 'key', 'rejects', BAD_KEYS, (k) => s().exchange(1, { key: k as string }))
    add('session.exchange', 'signal', 'rejects', BAD_SIGNALS, (signal) => s().exchange(1, { key: key(), signal: signal as AbortSignal }))
    const start = (fn: unknown, options: unknown): unknown => s().syncStart(fn as () => number, options as never)
    add('session.syncStart', 'fn', 'rejects', BAD_FUNCTIONS, (fn) => start(fn, { key: key() }))
    add('session.syncStart', 'options', 'rejects', BAD_OPTIONS, (options) => start(task, options))
    add('session.syncStart', 'key', 'rejects', BAD_KEYS, (k) => start(task, { key: k }))
    add('session.syncStart', 'signal', 'rejects', BAD_SIGNALS, (signal) => start(task, { key: key(), signal }))
    add('session.syncStart', 'delayMs', 'rejects', [-1, NaN, Infinity, 86_400_001, '50', null], (delayMs) => start(task, { key: key(), delayMs }))
    add('session.channel', 'key', 'throws', [undefined, ...BAD_KEYS], (k) => s().channel(k as string))
    add('session.channel', 'options', 'throws', BAD_OPTIONS, (options) => s().channel(key(), options as never))
    add('session.channel', 'window', 'throws', [0, ...NOT_A_COUNT], (window) => s().channel(key(), { window: window as number }))
    add('session.channel', 'windowBytes', 'throws', [0, ...NOT_A_COUNT], (windowBytes) => s().channel(key(), { windowBytes: windowBytes as number }))
    for (const kind of ['mutex', 'rwlock'] as const) {
      add(`session.${kind}`, 'key', 'throws', [undefined, ...BAD_KEYS], (k) => s()[kind](k as string))
      add(`session.${kind}`, 'options', 'throws', BAD_OPTIONS, (options) => s()[kind](key(), options as never))
    }
    return out
  }

  for (const row of rows()) {
    it(`${row.call}: ${row.name} = ${show(row.bad)} → NetError usage (${row.mode})`, async () => {
      expectRefused(row, await refusal(row.run))
    })
  }

  it('channel.send: bad options reject with NetError usage, and the channel stays usable', async () => {
    const k = key()
    const [a, b] = [pair.leader.channel<number>(k), pair.follower.channel<number>(k)]
    for (const [name, options] of [['options', null], ['options', 'x'], ['signal', { signal: {} }], ['signal', { signal: new AbortController() }]] as const) {
      const row: Row = { call: 'channel.send', name, bad: options, mode: 'rejects', run: () => a.send(1, options as never) }
      expectRefused(row, await refusal(row.run))
    }
    await a.send(7)
    const next = await b[Symbol.asyncIterator]().next()
    expect(next).toEqual({ value: 7, done: false })
  })

  it('lock calls: bad options and callbacks reject with NetError usage, and the lock stays usable', async () => {
    const mutex = pair.leader.mutex(key(), { initial: 0 })
    const rwlock = pair.leader.rwlock(key(), { initial: 0 })
    const calls: [string, (options: unknown) => Promise<unknown>, (callback: unknown) => Promise<unknown>][] = [
      ['mutex.lock / withLock', (o) => mutex.lock(o as never), (c) => mutex.withLock(c as never)],
      ['rwlock.read / withRead', (o) => rwlock.read(o as never), (c) => rwlock.withRead(c as never)],
      ['rwlock.write / withWrite', (o) => rwlock.write(o as never), (c) => rwlock.withWrite(c as never)],
    ]
    for (const [call, acquire, withLock] of calls) {
      const bad: [string, unknown][] = [
        ['options', null],
        ['options', 5],
        ['signal', { signal: {} }],
        ['signal', { signal: new AbortController() }],
        ['ifAvailable', { ifAvailable: 'yes' }],
        ['ifAvailable', { ifAvailable: 1 }],
      ]
      for (const [name, options] of bad) expectRefused({ call, name, bad: options, mode: 'rejects', run: () => acquire(options) }, await refusal(() => acquire(options)))
      for (const callback of BAD_FUNCTIONS) {
        expectRefused({ call, name: 'callback', bad: callback, mode: 'rejects', run: () => withLock(callback) }, await refusal(() => withLock(callback)))
      }
    }
    // Nothing was queued by the refused calls: the locks are free and work.
    expect([mutex.query().waiting, rwlock.query().waiting]).toEqual([0, 0])
    await mutex.withLock((g) => void (g.value += 1))
    await rwlock.withWrite((g) => void (g.value += 1))
    expect([mutex.peek(), rwlock.peek()]).toEqual([1, 1])
  })
})

describe('a one-shot call refused for a bad argument, seen from the peer', () => {
  const ops = {
    join: (s: Session, fn: unknown, options: object) => s.join(fn as () => number, options),
    tryJoin: (s: Session, fn: unknown, options: object) => s.tryJoin(fn as () => number, options),
    select: (s: Session, fn: unknown, options: object) => s.select(fn as () => number, options),
    trySelect: (s: Session, fn: unknown, options: object) => s.trySelect(fn as () => number, options),
    exchange: (s: Session, _fn: unknown, options: object) => s.exchange(1, options),
    syncStart: (s: Session, fn: unknown, options: object) => s.syncStart(fn as () => number, options),
  }
  const task = (): number => 1

  for (const [op, call] of Object.entries(ops)) {
    it(`${op}: a bad signal or function with a usable key rejects the peer's call with NetError aborted and frees the key`, async () => {
      const pair = await memorySessions({ latencyMs: 1 })
      try {
        const misuses: [string, unknown, object][] = [['signal', task, { signal: new AbortController() }]]
        if (op !== 'exchange') misuses.push(['fn', 'not a function', {}])
        for (const [name, fn, options] of misuses) {
          const key = `refused-${name}`
          const here = await rejectionOf(call(pair.leader, fn, { key, ...options }))
          expect(here).toMatchObject({ code: 'usage', message: expect.stringContaining(`${name} must`) })
          expect(await rejectionOf(call(pair.follower, task, { key }))).toMatchObject({ code: 'aborted' })
          await expectKeyFree(pair, key)
        }
      } finally {
        await pair.close()
      }
    })

    it(`${op}: bad options or a bad key send nothing and take no default key`, async () => {
      const pair = await memorySessions({ latencyMs: 1 })
      try {
        const sentBefore = pair.leaderCounts.total
        expect(await rejectionOf(call(pair.leader, task, null as never))).toMatchObject({ code: 'usage' })
        expect(await rejectionOf(call(pair.leader, task, { key: '' }))).toMatchObject({ code: 'usage' })
        expect(pair.leaderCounts.total).toBe(sentBefore)
        // The next calls pair as the first of their kind on both sides (an abort sent for a refused
        // call would have taken the peer's first call instead).
        const both = await Promise.all([call(pair.leader, task, {}), call(pair.follower, task, {})])
        expect(both).toHaveLength(2)
      } finally {
        await pair.close()
      }
    })
  }
})
