// Page for primitives.spec.ts and node-peer.spec.ts: opens a netbeam session over the harness's
// simple-peer and exposes each primitive as a call the test makes on both sides at once.
import { harness } from './harness.js'
import { fromSimplePeer, Session, type NetMutex, type NetRwLock, type SessionOptions, type SessionStats } from '../../src/index.js'
import { counterMutex, describe, increment, join, joinAborting, patterned, readCounter, select, wallNow, type Counter, type OpReport, type TaskPlan } from '../ops.js'
import { startPending, type PendingReport } from './pending.js'

export interface SessionInfo {
  role: 'leader' | 'follower'
  rttMs: number
  offsetMs: number
  errorBoundMs: number
}

/** One side of a syncStart: when its function ran, or the NetError code it settled with instead. */
export type StartReport =
  | {
      started: true
      /** `performance.timeOrigin + performance.now()` when the function ran. */
      startedAt: number
      /** How late the library says it started (measured where its wait ended). */
      lateByMs: number
      /**
       * How late `startedAt` itself was on the shared timeline: `lateByMs` plus whatever ran (or
       * preempted this page) between the library's wait and the function reading the clock.
       */
      observedLateMs: number
      /** This side's clock estimate when the function ran. */
      offsetMs: number
      errorBoundMs: number
    }
  | { started: false; code: string }

export interface PrimitivesPage {
  open(options?: Pick<SessionOptions, 'heartbeatMs' | 'timeoutMs'>): Promise<SessionInfo>
  /** The session's current role and clock estimate (best RTT, offset to the peer, error bound). */
  clock(): SessionInfo
  /** What crossed the session's wire so far. */
  stats(): SessionStats
  join(kind: 'join' | 'tryJoin', plan: TaskPlan, key?: string): Promise<OpReport>
  /** Like `join`, with the call aborted `abortAfterMs` after it was made. */
  joinAborting(kind: 'join' | 'tryJoin', plan: TaskPlan, abortAfterMs: number, key: string): Promise<OpReport>
  select(kind: 'select' | 'trySelect', plan: TaskPlan, key?: string): Promise<OpReport>
  /** Exchanges a value with nested data and 1 KiB of bytes made from `seed`; returns the peer's, bytes as a list. */
  exchange(seed: number): Promise<unknown>
  sendSequence(count: number): Promise<void>
  receiveSequence(count: number): Promise<{ received: number; firstOutOfOrder: number | null }>
  sendBlob(bytes: number): Promise<{ length: number; sha256: string }>
  receiveBlob(): Promise<{ isBytes: boolean; length: number; sha256: string }>
  increment(n: number): Promise<void>
  readCounter(): Promise<Counter>
  holdRead(): Promise<number>
  /** Releases the read guard; resolves with the wall-clock time of the release. */
  releaseRead(): Promise<number>
  startWrite(value: number): void
  /** `waiting`, or when the write lock was granted and released (wall clock). */
  writeStatus(): { state: 'idle' | 'waiting' | 'done'; grantedAt?: number }
  /** The peer's write request has reached this side (it holds a read and is being asked to give way). */
  writerQueued(): boolean
  read(): Promise<number>
  syncStart(key: string): Promise<StartReport>
  /** Commits `values` one by one to the `watched` mutex (opened with `watch: true` on both sides). */
  writeWatched(values: number[]): Promise<void>
  /** The `watched` mutex's `peek()` and every `change` event it emitted, without locking. */
  watched(): { peek: number; changes: [number, 'local' | 'peer'][] }
  /** Locks the counter mutex and the config rwlock (write) and keeps them, so the peer's requests wait. */
  holdLocks(): Promise<void>
  startPending(): void
  pending(): Promise<PendingReport[]>
}

declare global {
  interface Window {
    prims: PrimitivesPage
  }
}

let session: Session | undefined
const need = (): Session => {
  if (!session) throw new Error('call prims.open() first')
  return session
}
const once = <T>(make: () => T): (() => T) => {
  let made: T | undefined
  return () => (made ??= make())
}
const counter = once(() => counterMutex(need()))
const config = once((): NetRwLock<number> => need().rwlock<number>('config', { initial: 0 }))
const watchedChanges: [number, 'local' | 'peer'][] = []
const watched = once((): NetMutex<number> => {
  const lock = need().mutex<number>('watched', { initial: 0, watch: true })
  lock.on('change', (value, origin) => watchedChanges.push([value, origin]))
  return lock
})
const sequence = once(() => need().channel<{ seq: number }>('sequence'))
const blobs = once(() => need().channel<Uint8Array>('blobs'))
let readGuard: Awaited<ReturnType<NetRwLock<number>['read']>> | undefined
let write: { state: 'idle' | 'waiting' | 'done'; grantedAt?: number } = { state: 'idle' }
let pending: Promise<PendingReport[]> | undefined

async function sha256(bytes: Uint8Array): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', new Uint8Array(bytes)))
  return Array.from(digest, (b) => b.toString(16).padStart(2, '0')).join('')
}

window.prims = {
  async open(options = {}) {
    const { peer } = await harness.connected
    session = await Session.open(fromSimplePeer(peer), options)
    session.on('close', (reason) => harness.log(`session closed: ${reason.code}: ${reason.message}`))
    // Open the locks on both sides now: a lock request from the side without the token waits
    // until the peer has opened the same lock, so opening it lazily could deadlock a test.
    counter()
    config()
    watched()
    harness.log(`session open: ${session.role}`)
    return { role: session.role, ...session.clock }
  },
  clock: () => ({ role: need().role, ...need().clock }),
  stats: () => ({ ...need().stats }),
  async writeWatched(values) {
    for (const value of values) await watched().withLock((g) => (g.value = value))
  },
  watched: () => ({ peek: watched().peek(), changes: [...watchedChanges] }),
  join: (kind, plan, key) => join(need(), kind, plan, key),
  joinAborting: (kind, plan, abortAfterMs, key) => joinAborting(need(), kind, plan, abortAfterMs, key),
  select: (kind, plan, key) => select(need(), kind, plan, key),
  async exchange(seed) {
    const theirs = await need().exchange<{ bytes: Uint8Array }, object>({ seed, nested: { list: [1, 'two', null, true], deep: { x: -0.5 } }, bytes: patterned(1024, seed) })
    return { ...theirs, bytes: Array.from(theirs.bytes) }
  },
  async sendSequence(count) {
    for (let seq = 0; seq < count; seq++) await sequence().send({ seq })
  },
  async receiveSequence(count) {
    let received = 0
    let firstOutOfOrder: number | null = null
    const it = sequence()[Symbol.asyncIterator]()
    while (received < count) {
      const next = await it.next()
      if (next.done) break
      if (next.value.seq !== received && firstOutOfOrder === null) firstOutOfOrder = received
      received++
    }
    return { received, firstOutOfOrder }
  },
  async sendBlob(length) {
    const bytes = patterned(length, 7)
    await blobs().send(bytes)
    return { length, sha256: await sha256(bytes) }
  },
  async receiveBlob() {
    const next = await blobs()[Symbol.asyncIterator]().next()
    const value = next.value
    const isBytes = value instanceof Uint8Array
    return { isBytes, length: isBytes ? value.length : -1, sha256: isBytes ? await sha256(value) : '' }
  },
  increment: (n) => increment(counter(), need().role, n),
  readCounter: () => readCounter(counter()),
  async holdRead() {
    readGuard = await config().read()
    return readGuard.value
  },
  async releaseRead() {
    const at = wallNow()
    await readGuard?.release()
    readGuard = undefined
    return at
  },
  startWrite(value) {
    write = { state: 'waiting' }
    config()
      .withWrite((g) => {
        write.grantedAt = wallNow()
        g.value = value
      })
      .then(() => (write.state = 'done'), (err: unknown) => harness.log(`write failed: ${describe(err).message}`))
  },
  writeStatus: () => ({ ...write }),
  writerQueued() {
    const q = config().query()
    return q.peerWaiting > 0 || q.state === 'recalled'
  },
  read: () => config().withRead((g) => g.value),
  async syncStart(key) {
    const s = need()
    // 200 ms of lead rather than the default 50: on a loaded 2-core machine the start message can
    // take longer than 50 ms to be handled, and the follower then rightly rejects with `late`.
    try {
      return await s.syncStart(
        (info): StartReport => {
          const startedAt = wallNow()
          const observedLateMs = s.now() - info.at
          return { started: true, startedAt, lateByMs: info.lateByMs, observedLateMs, offsetMs: s.clock.offsetMs, errorBoundMs: s.clock.errorBoundMs }
        },
        { key, delayMs: 200 },
      )
    } catch (err) {
      // A refused start is an outcome to report, not a crash of the page's call.
      return { started: false, code: describe(err).code ?? describe(err).message }
    }
  },
  async holdLocks() {
    await counter().lock()
    await config().write()
  },
  startPending() {
    pending = startPending(need(), counter(), config())
  },
  pending: () => pending ?? Promise.reject(new Error('startPending() first')),
}
