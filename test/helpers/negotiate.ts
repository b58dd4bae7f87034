/**
 * In-process offer/answer and trickled candidates between two RTCPeerConnections, on 127.0.0.1
 * only; optionally through a {@link SignalRewrite} (the lossy path points each side's candidates
 * at its relay).
 */
import { isLoopbackCandidate, loopbackOnlySdp, type CandidateLog } from './loopback.js'

/** Which peer a description or candidate came from: `a` offers, `b` answers. */
export type Side = 'a' | 'b'

/** Rewrites what one side's signalling tells the other, after the loopback filter. */
export interface SignalRewrite {
  /** The SDP `from` sent, as the other side receives it. */
  sdp(from: Side, sdp: string): string
  /** A candidate line `from` trickled, as the other side receives it; undefined drops it. */
  candidate(from: Side, line: string): string | undefined
}

/**
 * Offer/answer plus trickled candidates, in process; only 127.0.0.1 candidates cross, and only
 * once `pcA` holds the answer: node-datachannel runs DTLS as soon as ICE connects and, before it
 * knows the remote fingerprint, fails the handshake ("unknown CA"), so under CPU load `pcB` must
 * not reach `pcA` early.
 */
export async function negotiate(pcA: RTCPeerConnection, pcB: RTCPeerConnection, log: CandidateLog, rewrite?: SignalRewrite): Promise<void> {
  let answered!: () => void
  const aHasAnswer = new Promise<void>((resolve) => (answered = resolve))
  relayCandidates('a', pcA, pcB, aHasAnswer, log, rewrite)
  relayCandidates('b', pcB, pcA, aHasAnswer, log, rewrite)
  const passSdp = (from: Side, sdp: string | undefined): string => {
    const kept = loopbackOnlySdp(sdp ?? '', log)
    return rewrite === undefined ? kept : rewrite.sdp(from, kept)
  }
  const offer = await pcA.createOffer()
  await pcA.setLocalDescription(offer)
  await pcB.setRemoteDescription({ type: 'offer', sdp: passSdp('a', offer.sdp) })
  const answer = await pcB.createAnswer()
  await pcB.setLocalDescription(answer)
  await pcA.setRemoteDescription({ type: 'answer', sdp: passSdp('b', answer.sdp) })
  answered()
}

/** Passes `from`'s 127.0.0.1 candidates (rewritten, if asked) to `to` once `gate` resolves. */
function relayCandidates(
  side: Side,
  from: RTCPeerConnection,
  to: RTCPeerConnection,
  gate: Promise<void>,
  log: CandidateLog,
  rewrite: SignalRewrite | undefined,
): void {
  from.onicecandidate = (event) => {
    const candidate = event.candidate
    if (candidate === null || candidate.candidate === '') return
    log.gathered.push(candidate.candidate)
    if (!isLoopbackCandidate(candidate.candidate)) return
    const line = rewrite === undefined ? candidate.candidate : rewrite.candidate(side, candidate.candidate)
    if (line === undefined) return
    log.relayed.push(line)
    const init = { candidate: line, sdpMid: candidate.sdpMid, sdpMLineIndex: candidate.sdpMLineIndex }
    // A candidate that arrives after close has nowhere to go; the connect timeout reports failures.
    void gate.then(() => to.addIceCandidate(init)).catch(() => undefined)
  }
}
