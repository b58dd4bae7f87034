// Page for resume.spec.ts: a resumable session over the harness's simple-peer, traffic that runs
// through a drop (a contended mutex counter, a numbered stream each way, a join and a select whose
// functions finish while the link is down), the drop itself (this page closes its
// RTCPeerConnection) and the resume over a new peer connection signalled through the relay.
import type SimplePeer from 'simple-peer'
import { harness } from './harness.js'
import { fromSimplePeer, Session, type NetMutex, type SessionStats, type TypedChannel } from '../../src/index.js'
import { counterMutex, describe, increment, readCounter, wallNow, type Counter, type OpReport } from '../ops.js'

/** A numbered message, or the sender's last word: how many numbered ones it sent. */
type StreamItem = { seq: number } | { end: number }

export interface StreamReport {
  received: number
  /** The first position whose message did not carry the next number (a loss or a duplicate). */
  firstOutOfOrder: number | null
  /** What the sender said it sent. */
  senderTotal: number
}

export interface TrafficReport {
  increments: number
  sent: number
  stream: StreamReport
}

export interface ResumeEvent {
  state: 'suspended' | 'resumed'
  code?: string
  message?: string
  at: number
}

export interface ResumablePage {
  open(options: { heartbeatMs: number; timeoutMs: number; graceMs: number }): Promise<{ role: string }>
  stats(): SessionStats
  /** Starts the counter loop and the stream (until `stopTraffic`), and the join and select. */
  startTraffic(): void
  progress(): { increments: number; sent: number; received: number; state: string }
  /** Closes this page's RTCPeerConnection, as a dropped network would end it. */
  drop(): void
  /** Resolves once the session is suspended (at once if it already is). */
  suspended(): Promise<ResumeEvent>
  /** Lets the join's and the select's functions finish (their messages queue while suspended). */
  finishTasks(): void
  /** Starts a join the peer started before the drop. */
  startLateJoin(): void
  /** A new peer connection through the relay, then `session.resume` over it. */
  reconnect(): Promise<{ connectedAt: number; resumedAt: number }>
  stopTraffic(): Promise<TrafficReport>
  results(): Promise<{ counter: Counter; join: OpReport; lateJoin: OpReport; select: OpReport; events: ResumeEvent[]; state: string }>
  close(): Promise<void>
}

declare global {
  interface Window {
    resumable: ResumablePage
  }
}

let session: Session | undefined
let counter: NetMutex<Counter> | undefined
const need = (): Session => {
  if (!session) throw new Error('call resumable.open() first')
  return session
}
const events: ResumeEvent[] = []
const stop = new AbortController()
let releaseTasks: () => void = () => {}
const tasksReleased = new Promise<void>((resolve) => (releaseTasks = resolve))
let increments = 0
let sent = 0
let received = 0
let running: { counting: Promise<void>; sending: Promise<void>; receiving: Promise<StreamReport> } | undefined
const ops: Partial<Record<'join' | 'lateJoin' | 'select', Promise<OpReport>>> = {}
let current: SimplePeer.Instance | undefined

async function report(op: () => Promise<unknown>): Promise<OpReport> {
  try {
    return { ok: true, value: await op(), settledAt: wallNow() }
  } catch (err) {
    return { ok: false, error: describe(err), settledAt: wallNow() }
  }
}

/** Sends numbered messages, a burst per macrotask, until stopped; then says how many. */
async function sendStream(stream: TypedChannel<StreamItem>): Promise<void> {
  while (!stop.signal.aborted) {
    for (let i = 0; i < 5; i++) await stream.send({ seq: sent++ })
    await new Promise((resolve) => setTimeout(resolve, 0))
  }
  await stream.send({ end: sent })
}

async function receiveStream(stream: TypedChannel<StreamItem>): Promise<StreamReport> {
  const it = stream[Symbol.asyncIterator]()
  let firstOutOfOrder: number | null = null
  for (;;) {
    const next = await it.next()
    if (next.done) throw new Error('the stream ended without its last word')
    if ('end' in next.value) return { received, firstOutOfOrder, senderTotal: next.value.end }
    if (next.value.seq !== received && firstOutOfOrder === null) firstOutOfOrder = received
    received++
  }
}

window.resumable = {
  async open({ graceMs, ...heartbeat }) {
    const { peer } = await harness.connected
    current = peer
    const s = await Session.open(fromSimplePeer(peer), { ...heartbeat, resume: { graceMs } })
    session = s
    s.on('suspended', (reason) => {
      events.push({ state: 'suspended', code: reason.code, message: reason.message, at: wallNow() })
      harness.log(`suspended: ${reason.code}: ${reason.message}`)
    })
    s.on('resumed', () => {
      events.push({ state: 'resumed', at: wallNow() })
      harness.log('resumed')
    })
    s.on('close', (reason) => harness.log(`session closed: ${reason.code}: ${reason.message}`))
    counter = counterMutex(s) // opened on both sides before either locks it
    return { role: s.role }
  },
  stats: () => ({ ...need().stats }),
  startTraffic() {
    const s = need()
    const mutex = counter!
    const counting = (async () => {
      while (!stop.signal.aborted) {
        await increment(mutex, s.role, 1)
        increments++
      }
    })()
    const stream = s.channel<StreamItem>('stream')
    running = { counting, sending: sendStream(stream), receiving: receiveStream(stream) }
    ops.join = report(() => s.join(() => tasksReleased.then(() => s.role), { key: 'resume/join' }))
    ops.select = report(() => s.select(() => tasksReleased.then(() => s.role), { key: 'resume/select' }))
    if (s.role === 'leader') ops.lateJoin = report(() => s.join(() => s.role, { key: 'resume/late-join' }))
  },
  progress: () => ({ increments, sent, received, state: need().state }),
  drop() {
    const pc = (current as (SimplePeer.Instance & { _pc?: RTCPeerConnection }) | undefined)?._pc
    if (!pc) throw new Error('no RTCPeerConnection to close')
    pc.close()
    harness.log('dropped: RTCPeerConnection closed')
  },
  suspended() {
    const s = need()
    const last = (): ResumeEvent | undefined => events.filter((e) => e.state === 'suspended').at(-1)
    if (s.state === 'suspended') return Promise.resolve(last()!)
    return new Promise((resolve, reject) => {
      s.once('suspended', () => resolve(last()!))
      void s.closed.then((reason) => reject(new Error(`closed instead: ${reason.code}: ${reason.message}`)))
    })
  },
  finishTasks: () => releaseTasks(),
  startLateJoin() {
    const s = need()
    ops.lateJoin = report(() => s.join(() => s.role, { key: 'resume/late-join' }))
  },
  async reconnect() {
    const { peer } = await harness.reconnect()
    current = peer
    const connectedAt = wallNow()
    await need().resume(fromSimplePeer(peer))
    return { connectedAt, resumedAt: wallNow() }
  },
  async stopTraffic() {
    if (!running) throw new Error('startTraffic() first')
    stop.abort()
    await Promise.all([running.counting, running.sending])
    return { increments, sent, stream: await running.receiving }
  },
  async results() {
    const { join, lateJoin, select } = ops
    if (!join || !lateJoin || !select) throw new Error('startTraffic() and startLateJoin() first')
    const counted = await readCounter(counter!)
    return { counter: counted, join: await join, lateJoin: await lateJoin, select: await select, events: [...events], state: need().state }
  },
  close: () => need().close(),
}
