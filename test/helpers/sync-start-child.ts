/**
 * One netbeam peer in its own Node process, driven over IPC by sync-start-procs.ts: WebRTC
 * signalling (node-datachannel bound to 127.0.0.1; only loopback candidates cross), then
 * synchronized starts and "floor" rounds that each record `process.hrtime.bigint()`, which is one
 * monotonic clock for every process of the machine. Run with `node --import tsx`.
 */
import { fromDataChannel } from '../../src/transport/data-channel.js'
import { isNetError } from '../../src/base/errors.js'
import { Session } from '../../src/session.js'
import { defaultNow } from '../../src/clock/local-clock.js'
import { waitUntil } from '../../src/clock/start-timer.js'
import { isLoopbackCandidate, loopbackOnlySdp } from './loopback.js'
import type { ChildCommand, ChildReport, SignalData } from './sync-start-procs.js'

const send = (report: ChildReport): void => {
  process.send?.(report)
}
// The parent owns this process: when it goes, so do we.
process.on('disconnect', () => process.exit(1))

let session: Session | undefined
let pc: RTCPeerConnection | undefined
/** Settles once the peer connection exists; the other side's signals may arrive before that. */
let setUp: Promise<RTCPeerConnection> | undefined
const pendingCandidates: RTCIceCandidateInit[] = []
let remoteSet = false
/**
 * The offerer's own candidates, held until it has the answer: node-datachannel runs DTLS as soon
 * as ICE connects, and an answerer that reaches the offerer before the offerer knows its
 * fingerprint fails the handshake ("Got a remote candidate without ICE transport" / unknown CA).
 */
let heldOwnCandidates: SignalData[] | undefined

async function init(role: 'leader' | 'follower', skewMs: number): Promise<void> {
  let created!: (pc: RTCPeerConnection) => void
  setUp = new Promise((resolve) => (created = resolve))
  const { RTCPeerConnection: Ndc } = await import('node-datachannel/polyfill')
  const conn = new Ndc({ iceServers: [], bindAddress: '127.0.0.1' } as RTCConfiguration) as unknown as RTCPeerConnection
  pc = conn
  created(conn)
  conn.onicecandidate = (e) => {
    const c = e.candidate
    if (c === null || c.candidate === '' || !isLoopbackCandidate(c.candidate)) return
    const data: SignalData = { candidate: { candidate: c.candidate, sdpMid: c.sdpMid, sdpMLineIndex: c.sdpMLineIndex } }
    if (heldOwnCandidates !== undefined) heldOwnCandidates.push(data)
    else send({ t: 'signal', data })
  }
  const channel =
    role === 'leader'
      ? Promise.resolve(conn.createDataChannel('netbeam'))
      : new Promise<RTCDataChannel>((resolve) => (conn.ondatachannel = (e) => resolve(e.channel)))
  if (role === 'leader') {
    heldOwnCandidates = []
    const offer = await conn.createOffer()
    await conn.setLocalDescription(offer)
    // Without candidate lines: they trickle, and are held until the answer is in.
    send({ t: 'signal', data: { type: 'offer', sdp: withoutCandidates(offer.sdp ?? '') } })
  }
  const now = (): number => defaultNow() + skewMs
  session = await Session.open(fromDataChannel(await channel), { role, now })
  send({ t: 'open', clock: { ...session.clock }, clockBase: clockBase(now) })
}

async function onSignal(data: SignalData): Promise<void> {
  const conn = await setUp!
  if (data.candidate !== undefined) {
    if (remoteSet) await conn.addIceCandidate(data.candidate)
    else pendingCandidates.push(data.candidate)
    return
  }
  await conn.setRemoteDescription({ type: data.type!, sdp: loopbackOnlySdp(data.sdp ?? '') })
  remoteSet = true
  for (const c of pendingCandidates.splice(0)) await conn.addIceCandidate(c)
  if (data.type === 'answer' && heldOwnCandidates !== undefined) {
    for (const held of heldOwnCandidates) send({ t: 'signal', data: held })
    heldOwnCandidates = undefined
  }
  if (data.type === 'offer') {
    const answer = await conn.createAnswer()
    await conn.setLocalDescription(answer)
    send({ t: 'signal', data: { type: 'answer', sdp: loopbackOnlySdp(answer.sdp ?? '') } })
  }
}

async function run(cmd: ChildCommand): Promise<void> {
  switch (cmd.t) {
    case 'init':
      return init(cmd.role, cmd.skewMs)
    case 'signal':
      return onSignal(cmd.data)
    case 'sync': {
      const s = session!
      const started = s.syncStart(
        ({ lateByMs, at }) => {
          // hrtime, this side's view of the timeline, hrtime: how late the view says it is, taken
          // from either hrtime reading, brackets the hrtime at which the view read `at`.
          const before = process.hrtime.bigint()
          const viewLate = BigInt(Math.round((s.now() - at) * 1e6))
          const after = process.hrtime.bigint()
          return { hr: before, agreed: [String(before - viewLate), String(after - viewLate)] as const, lateByMs, clock: { ...s.clock } }
        },
        { key: cmd.key, delayMs: cmd.delayMs },
      )
      try {
        const { hr, agreed, lateByMs, clock } = await started
        return send({ t: 'synced', id: cmd.id, hr: String(hr), agreedHr: agreed, lateByMs, clock })
      } catch (err) {
        // A refused start (`late` on an overloaded machine) is an outcome to report, not a crash.
        if (!isNetError(err)) throw err
        return send({ t: 'synced', id: cmd.id, failed: err.code, message: err.message })
      }
    }
    case 'many': {
      const all = Array.from({ length: cmd.n }, (_, i) => session!.syncStart(() => i, { key: `${cmd.prefix}${i}`, delayMs: cmd.delayMs }))
      const settled = await Promise.allSettled(all)
      const failed = settled.filter((s) => s.status === 'rejected')
      const firstError = failed[0]?.status === 'rejected' ? String(failed[0].reason) : undefined
      return send({ t: 'many-done', id: cmd.id, ok: settled.length - failed.length, failed: failed.length, firstError })
    }
    case 'floor': {
      // The same timer-then-spin as syncStart, on a target that needs no network: T is an hrtime
      // reading, mapped onto this process's performance timeline.
      const local = defaultNow() + Number(BigInt(cmd.targetHr) - process.hrtime.bigint()) / 1e6
      await waitUntil(local)
      return send({ t: 'fired', id: cmd.id, hr: String(process.hrtime.bigint()) })
    }
    case 'close':
      await session?.close()
      pc?.close()
      // Exit only once the report is out: process.send is asynchronous.
      process.send?.({ t: 'closed' } satisfies ChildReport, () => process.exit(0))
      return
  }
}

process.on('message', (cmd: ChildCommand) => {
  run(cmd).catch((err: unknown) => {
    const id = 'id' in cmd ? cmd.id : -1
    send({ t: 'error', id, message: err instanceof Error ? `${err.name}: ${err.message}` : String(err) })
  })
})

/**
 * `now()` minus hrtime (ms), between two values: how the clock the session measures relates to
 * the machine's one monotonic clock. The narrowest of a few hrtime, now, hrtime readings.
 */
function clockBase(now: () => number): [number, number] {
  const hrMs = (): number => Number(process.hrtime.bigint()) / 1e6
  let best: [number, number] = [-Infinity, Infinity]
  for (let i = 0; i < 16; i++) {
    const before = hrMs()
    const local = now()
    const after = hrMs()
    if (after - before < best[1] - best[0]) best = [local - after, local - before]
  }
  return best
}

function withoutCandidates(sdp: string): string {
  return sdp
    .split(/\r\n|\n/)
    .filter((line) => !line.startsWith('a=candidate'))
    .join('\r\n')
}
