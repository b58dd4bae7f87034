/**
 * Connected simple-peer pairs in one process, on 127.0.0.1 only, wrapped with `fromSimplePeer`
 * before they connect: simple-peer 9 over @roamhq/wrtc or node-datachannel, and
 * @thaunknown/simple-peer 10 (node-datachannel through webrtc-polyfill).
 */
import type SimplePeer from 'simple-peer'
import type { FrameChannelOptions } from '../../src/transport/frame-channel.js'
import { fromSimplePeer, type SimplePeerLike } from '../../src/transport/simple-peer.js'
import {
  candidateLog,
  connectWithin,
  describeCandidates,
  describeConnection,
  loopbackSignal,
  type CandidateLog,
  type PeerSignal,
} from './loopback.js'
import type { FrameChannelPair } from './webrtc-pair.js'
import { NODE_DATACHANNEL_LOOPBACK_CONFIG } from './webrtc-pair.js'
import { interopDefault } from './interop.js'

/** A simple-peer `Peer` as the helpers drive it (both major versions). */
export interface SignallingPeer extends SimplePeerLike {
  readonly _channel?: RTCDataChannel | null
  signal(data: PeerSignal): void
  once(event: string, listener: (...args: unknown[]) => void): unknown
}

/** A {@link FrameChannelPair} over two simple-peer peers. */
export interface SimplePeerFramePair extends FrameChannelPair {
  readonly peerA: SignallingPeer
  readonly peerB: SignallingPeer
  /** What both peers gathered and what the relay passed on (only 127.0.0.1). */
  readonly candidates: CandidateLog
}

/** simple-peer 9 over @roamhq/wrtc; only 127.0.0.1 candidates cross the relay. */
export async function simplePeerWrtcPair(options: FrameChannelOptions = {}): Promise<SimplePeerFramePair> {
  return connectPeers('simple-peer 9 over @roamhq/wrtc', options, clearIceCompleteTimer, await wrtcPeers())
}

async function wrtcPeers(): Promise<(initiator: boolean) => SignallingPeer> {
  const { default: Peer } = await import('simple-peer')
  const wrtc = interopDefault<typeof import('@roamhq/wrtc')>(await import('@roamhq/wrtc'))
  return (initiator) => asSignallingPeer(new Peer({ initiator, trickle: true, wrtc, config: { iceServers: [] } }))
}

/**
 * simple-peer 9 over node-datachannel's polyfill, bound to 127.0.0.1. simple-peer assigns
 * `offer.sdp`, which the polyfill's read-only RTCSessionDescription refuses, so createOffer and
 * createAnswer return plain `{type, sdp}` objects as browsers do.
 */
export async function simplePeerNodeDataChannelPair(options: FrameChannelOptions = {}): Promise<SimplePeerFramePair> {
  return connectPeers('simple-peer 9 over node-datachannel', options, clearIceCompleteTimer, await nodeDataChannelPeers())
}

async function nodeDataChannelPeers(): Promise<(initiator: boolean) => SignallingPeer> {
  const { default: Peer } = await import('simple-peer')
  const polyfill = await import('node-datachannel/polyfill')
  class PlainDescriptionPeerConnection extends polyfill.RTCPeerConnection {
    override async createOffer(): Promise<RTCSessionDescriptionInit> {
      const { type, sdp } = (await super.createOffer()) as RTCSessionDescriptionInit
      return { type, sdp }
    }
    override async createAnswer(): Promise<RTCSessionDescriptionInit> {
      const { type, sdp } = (await super.createAnswer()) as RTCSessionDescriptionInit
      return { type, sdp }
    }
  }
  const wrtc = {
    RTCPeerConnection: PlainDescriptionPeerConnection,
    RTCSessionDescription: polyfill.RTCSessionDescription,
    RTCIceCandidate: polyfill.RTCIceCandidate,
  } as unknown as SimplePeer.Options['wrtc']
  // trickle: with trickle off, simple-peer waits out two 5 s iceComplete timeouts here.
  return (initiator) => asSignallingPeer(new Peer({ initiator, trickle: true, wrtc, config: { ...NODE_DATACHANNEL_LOOPBACK_CONFIG } }))
}

/** Two connected simple-peer 9 peers used directly (no netbeam on them), for baselines. */
export async function bareSimplePeerPair(stack: 'wrtc' | 'node-datachannel'): Promise<{ peerA: SignallingPeer; peerB: SignallingPeer; close(): Promise<void> }> {
  const newPeer = stack === 'wrtc' ? await wrtcPeers() : await nodeDataChannelPeers()
  const candidates = candidateLog()
  const peerA = newPeer(true)
  const peerB = newPeer(false)
  relaySignals(peerA, peerB, candidates)
  async function close(): Promise<void> {
    peerA.destroy()
    peerB.destroy()
    await nextTimer()
    clearIceCompleteTimer(peerA)
    clearIceCompleteTimer(peerB)
  }
  const connected = Promise.all([peerA, peerB].map((peer) => connectedPeer(peer)))
  await connectWithin(`bare simple-peer 9 over ${stack}`, connected, close, () => describeCandidates(candidates))
  return { peerA, peerB, close }
}

/** @thaunknown/simple-peer 10 (node-datachannel via webrtc-polyfill), bound to 127.0.0.1. */
export async function thaunknownSimplePeerPair(options: FrameChannelOptions = {}): Promise<SimplePeerFramePair> {
  const { default: Peer } = await import('@thaunknown/simple-peer')
  // config replaces simple-peer's default public STUN servers; webrtc-polyfill hands the whole
  // config (bindAddress included) to node-datachannel.
  return connectPeers('@thaunknown/simple-peer 10', options, () => undefined, (initiator) =>
    new Peer({ initiator, trickle: true, config: { ...NODE_DATACHANNEL_LOOPBACK_CONFIG } }),
  )
}

function asSignallingPeer(peer: SimplePeer.Instance): SignallingPeer {
  // @types/simple-peer lacks `destroyed` (a stream property) and `_channel`; both exist at runtime.
  return peer as unknown as SignallingPeer
}

/** simple-peer 9 never clears this 5 s timer on destroy, so the process would linger. */
function clearIceCompleteTimer(peer: SignallingPeer): void {
  clearTimeout((peer as unknown as { _iceCompleteTimer?: ReturnType<typeof setTimeout> })._iceCompleteTimer)
}

async function connectPeers(
  what: string,
  options: FrameChannelOptions,
  afterDestroy: (peer: SignallingPeer) => void,
  newPeer: (initiator: boolean) => SignallingPeer,
): Promise<SimplePeerFramePair> {
  const candidates = candidateLog()
  const peerA = newPeer(true)
  const peerB = newPeer(false)
  const a = fromSimplePeer(peerA, options)
  const b = fromSimplePeer(peerB, options)
  relaySignals(peerA, peerB, candidates)
  async function close(): Promise<void> {
    a.close()
    b.close()
    // Version 9 tears down on a microtask, version 10 on a timer; neither reliably emits `close`
    // (10 does not after its channel closed), so wait out their teardown instead.
    await nextTimer()
    await nextTimer()
    afterDestroy(peerA)
    afterDestroy(peerB)
  }
  const connected = Promise.all([peerA, peerB].map((peer) => connectedPeer(peer)))
  const reasons: string[] = []
  for (const [side, channel] of [['a', a], ['b', b]] as const) {
    void channel.closed.then((reason) => reasons.push(`${side} closed: ${reason.message} (${String(reason.cause)})`))
  }
  const diagnose = (): string =>
    `(a: ${describePeer(peerA)}; b: ${describePeer(peerB)}; ${describeCandidates(candidates)}; ${reasons.join('; ')})`
  await connectWithin(what, connected, close, diagnose)
  return { a, b, peerA, peerB, candidates, close }
}

function describePeer(peer: SignallingPeer): string {
  const internals = peer as unknown as { _pc?: RTCPeerConnection | null; _channel?: RTCDataChannel | null }
  return `${describeConnection(internals._pc)}, channel ${internals._channel?.readyState ?? 'none'}`
}

function nextTimer(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 0))
}

function connectedPeer(peer: SignallingPeer): Promise<void> {
  if (peer.connected) return Promise.resolve()
  return new Promise((resolve) => peer.once('connect', () => resolve()))
}

/**
 * Relays signals between the initiator `a` and `b` on later tasks, as a network would, minus
 * non-loopback ICE. `a`'s candidates reach `b` only once `a` holds the answer: node-datachannel
 * runs DTLS as soon as ICE connects and, before it knows the remote fingerprint, fails the
 * handshake ("unknown CA"). Under CPU load `b` could otherwise connect to `a` first.
 */
function relaySignals(a: SignallingPeer, b: SignallingPeer, log: CandidateLog): void {
  let answered = false
  let held: PeerSignal[] = []
  a.on('signal', (data) => {
    const signal = loopbackSignal(data as PeerSignal, log)
    if (signal === undefined) return
    if (signal.candidate !== undefined && !answered) held.push(signal)
    // The offer's own candidate lines go too: every candidate also trickles, and is held.
    else if (typeof signal.sdp === 'string') deliver(b, { ...signal, sdp: withoutCandidates(signal.sdp) })
    else deliver(b, signal)
  })
  b.on('signal', (data) => {
    const signal = loopbackSignal(data as PeerSignal, log)
    if (signal === undefined) return
    deliver(a, signal, () => {
      if (signal.type !== 'answer') return
      answered = true
      for (const candidate of held) deliver(b, candidate)
      held = []
    })
  })
}

/** Hands `signal` to `to` on a later task; `then` runs right after. */
function deliver(to: SignallingPeer, signal: PeerSignal, then?: () => void): void {
  setImmediate(() => {
    if (to.destroyed) return
    try {
      to.signal(signal)
    } catch {
      // The peer is being destroyed; the connect timeout reports a pair that never connects.
    }
    then?.()
  })
}

function withoutCandidates(sdp: string): string {
  return sdp
    .split(/\r\n|\n/)
    .filter((line) => !line.startsWith('a=candidate'))
    .join('\r\n')
}
