// Shared by every e2e page: joins the room named by `?room=` through the relay
// and exposes the connected simple-peer. Import it first in a page's module.
import type SimplePeer from 'simple-peer'
import { connectPeer, type PeerConnection } from '../../support/signalling.js'

/** Serializable facts about the connection, returned to the test by `info()`. */
export interface HarnessInfo {
  room: string
  initiator: boolean
  /** From the relay pairing this page to WebRTC `connect`. */
  connectMs: number
  /** The selected ICE candidate pair, from getStats(). */
  selectedPair: SelectedPair | undefined
  /** ICE candidate lines sent and received (trickled and inside SDPs). */
  candidatesOut: string[]
  candidatesIn: string[]
  crossOriginIsolated: boolean
}

export interface SelectedPair {
  local: { address: string | null; type: string; protocol: string }
  /** A peer-reflexive remote candidate has a null address (Chromium hides it). */
  remote: { address: string | null; type: string; protocol: string }
}

export interface Harness {
  /** Resolves with the first connected peer; rejects if the connection failed. */
  readonly connected: Promise<PeerConnection>
  /**
   * Leaves the room and joins it again, so the relay pairs this page with its peer anew: resolves
   * with a new simple-peer (a new RTCPeerConnection and DataChannel) once connected.
   */
  reconnect(): Promise<PeerConnection>
  /** Waits for the connection, then describes it. */
  info(): Promise<HarnessInfo>
  /** Appends a line to the on-page log (shows up in screenshots). */
  log(line: string): void
}

declare global {
  interface Window {
    netbeamHarness: Harness
  }
}

const CONNECT_TIMEOUT_MS = 20_000
const params = new URLSearchParams(location.search)
const room = params.get('room')
const candidatesOut: string[] = []
const candidatesIn: string[] = []
let startedAt = 0
let connectMs = 0

const statusEl = document.createElement('pre')
statusEl.id = 'harness-status'
const logEl = document.createElement('pre')
logEl.id = 'harness-log'
document.body.append(statusEl, logEl)

function setStatus(text: string): void {
  statusEl.textContent = text
}

function recordCandidates(into: string[], data: SimplePeer.SignalData): void {
  if (data.type === 'candidate') into.push(data.candidate.candidate)
  else if ('sdp' in data && data.sdp) {
    for (const line of data.sdp.split(/\r?\n/)) if (line.startsWith('a=candidate:')) into.push(line.slice(2))
  }
}

function connect(): Promise<PeerConnection> {
  if (!room) return Promise.reject(new Error('no ?room= in the page URL'))
  setStatus(`waiting: room ${room}`)
  return connectPeer(room, {
    timeoutMs: CONNECT_TIMEOUT_MS,
    onStart: () => (startedAt = performance.now()),
    onSignal: (dir, data) => recordCandidates(dir === 'in' ? candidatesIn : candidatesOut, data),
  })
}

type StatsRecord = Record<string, unknown>

function describeCandidate(stat: StatsRecord | undefined): SelectedPair['local'] {
  const text = (key: string): string => (typeof stat?.[key] === 'string' ? (stat[key] as string) : '')
  return { address: text('address') || null, type: text('candidateType'), protocol: text('protocol') }
}

/** The candidate pair ICE selected; simple-peer keeps its RTCPeerConnection in `_pc`. */
async function selectedPair(peer: SimplePeer.Instance): Promise<SelectedPair | undefined> {
  const pc = (peer as SimplePeer.Instance & { _pc?: RTCPeerConnection })._pc
  if (!pc) return undefined
  const stats = new Map<string, StatsRecord>()
  ;(await pc.getStats()).forEach((stat: StatsRecord) => stats.set(String(stat['id']), stat))
  const transport = [...stats.values()].find((s) => s['type'] === 'transport')
  const pair = stats.get(String(transport?.['selectedCandidatePairId']))
  if (!pair) return undefined
  return {
    local: describeCandidate(stats.get(String(pair['localCandidateId']))),
    remote: describeCandidate(stats.get(String(pair['remoteCandidateId']))),
  }
}

const connected = connect()
let latest = connected
connected.then(
  (conn) => {
    connectMs = performance.now() - startedAt
    setStatus(`connected: room ${conn.room}, ${conn.initiator ? 'initiator' : 'responder'}, ${connectMs.toFixed(0)} ms`)
    conn.peer.on('close', () => setStatus(`closed: room ${conn.room}`))
  },
  (err: unknown) => setStatus(`failed: ${err instanceof Error ? err.message : String(err)}`),
)

export const harness: Harness = {
  connected,
  async reconnect() {
    const old = await latest.catch(() => undefined)
    old?.close()
    // The relay counts the old socket until it has closed: joining before would find the room full.
    await old?.left
    latest = connect()
    const conn = await latest
    setStatus(`reconnected: room ${conn.room}, ${conn.initiator ? 'initiator' : 'responder'}`)
    return conn
  },
  async info() {
    const { peer, initiator } = await connected
    return {
      room: room ?? '',
      initiator,
      connectMs,
      selectedPair: await selectedPair(peer),
      candidatesOut: [...candidatesOut],
      candidatesIn: [...candidatesIn],
      crossOriginIsolated: globalThis.crossOriginIsolated,
    }
  },
  log(line) {
    logEl.textContent += `${line}\n`
  },
}
window.netbeamHarness = harness
