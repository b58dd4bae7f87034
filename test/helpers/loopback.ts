/**
 * Keeps in-process WebRTC signalling on 127.0.0.1: tests must never talk to another address, and
 * @roamhq/wrtc gathers a host candidate on every interface (there is no bind option). The filter
 * itself is the relay's (support/loopback-filter.ts), so tests, e2e and the demo share one.
 */
import { filterSignal, isLoopbackCandidate, stripNonLoopbackCandidates } from '../../support/loopback-filter.js'

export { candidateAddress, isLoopbackCandidate } from '../../support/loopback-filter.js'

/** How long a helper waits for a connection before it gives up. */
export const CONNECT_TIMEOUT_MS = 10_000

/** Every candidate a pair gathered, and the ones its relay passed on (all 127.0.0.1). */
export interface CandidateLog {
  readonly gathered: string[]
  readonly relayed: string[]
}

export function candidateLog(): CandidateLog {
  return { gathered: [], relayed: [] }
}

/** One line on a peer connection's state, for connect-timeout messages. */
export function describeConnection(pc: RTCPeerConnection | null | undefined): string {
  if (pc === null || pc === undefined) return 'no peer connection'
  return `signaling ${pc.signalingState}, ICE ${pc.iceConnectionState}, connection ${pc.connectionState}`
}

/** What a candidate log holds, for connect-timeout messages. */
export function describeCandidates(log: CandidateLog): string {
  return `${log.gathered.length} candidates gathered, ${log.relayed.length} relayed`
}

/** Logs the candidate lines of `sdp` (all gathered, the 127.0.0.1 ones relayed). */
function logSdpCandidates(sdp: string, log: CandidateLog): void {
  for (const line of sdp.split(/\r?\n/)) {
    if (!line.startsWith('a=candidate:')) continue
    log.gathered.push(line)
    if (isLoopbackCandidate(line)) log.relayed.push(line)
  }
}

/**
 * The SDP without any `a=candidate` line that is not on 127.0.0.1 (@roamhq/wrtc's local
 * description collects every gathered candidate), filtered by the relay's own filter. Records
 * the lines it saw in `log`.
 */
export function loopbackOnlySdp(sdp: string, log?: CandidateLog): string {
  const kept = stripNonLoopbackCandidates(sdp)
  if (kept === undefined) throw new Error('loopbackOnlySdp: the SDP has too many lines to filter')
  if (log) logSdpCandidates(sdp, log)
  return kept
}

/** simple-peer's signal messages: an offer/answer, a trickled candidate, or a renegotiation. */
export interface PeerSignal {
  type?: string
  sdp?: string
  candidate?: { candidate: string; sdpMLineIndex?: number | null; sdpMid?: string | null }
  [key: string]: unknown
}

/**
 * A simple-peer signal as it may cross to the other peer, filtered by the relay's own filter:
 * candidates off 127.0.0.1 are dropped (undefined), SDP loses its non-loopback candidate lines.
 * Records what it saw in `log`.
 */
export function loopbackSignal(signal: PeerSignal, log: CandidateLog): PeerSignal | undefined {
  const filtered = filterSignal(signal) as PeerSignal | undefined
  const line = signal.candidate?.candidate
  if (line !== undefined && line !== '') {
    log.gathered.push(line)
    if (filtered !== undefined) log.relayed.push(line)
  }
  if (typeof signal.sdp === 'string') logSdpCandidates(signal.sdp, log)
  return filtered
}

/**
 * Settles like `connecting`, or rejects with a clear error after `ms` (ending with what
 * `diagnose` reports); on any failure it runs `teardown` first so that nothing is left running.
 */
export async function connectWithin<T>(
  what: string,
  connecting: Promise<T>,
  teardown: () => Promise<void>,
  diagnose: () => string = () => '',
  ms = CONNECT_TIMEOUT_MS,
): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined
  // Still settles after a timeout; nobody is waiting for it then.
  connecting.catch(() => undefined)
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not connect within ${ms} ms ${diagnose()}`)), ms)
  })
  try {
    return await Promise.race([connecting, timeout])
  } catch (err) {
    await teardown()
    throw err
  } finally {
    clearTimeout(timer)
  }
}

/** Resolves on the first of `events` fired by `target` (EventTarget or EventEmitter style). */
export function once(
  target: { addEventListener(type: string, listener: () => void): void; removeEventListener(type: string, listener: () => void): void },
  ...events: string[]
): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      for (const event of events) target.removeEventListener(event, done)
      resolve()
    }
    for (const event of events) target.addEventListener(event, done)
  })
}
