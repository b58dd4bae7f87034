/**
 * Connected pairs over real WebRTC in one Node process, on 127.0.0.1 only: raw RTCDataChannels
 * (node-datachannel's polyfill, @roamhq/wrtc), their FrameChannels, and (re-exported) the
 * simple-peer and WebSocket pairs. Every helper rejects with a clear error when it cannot
 * connect within {@link CONNECT_TIMEOUT_MS}, and every `close()` tears down all it built.
 */
import { fromDataChannel } from '../../src/transport/data-channel.js'
import type { FrameChannel, FrameChannelOptions } from '../../src/transport/frame-channel.js'
import {
  candidateLog,
  connectWithin,
  describeCandidates,
  describeConnection,
  once,
  type CandidateLog,
} from './loopback.js'
import { interopDefault } from './interop.js'
import { negotiate, type SignalRewrite } from './negotiate.js'
import { nextMacrotask } from './promises.js'

export { CONNECT_TIMEOUT_MS, type CandidateLog } from './loopback.js'
export {
  simplePeerNodeDataChannelPair,
  simplePeerWrtcPair,
  thaunknownSimplePeerPair,
  type SimplePeerFramePair,
} from './simple-peer-pair.js'
export { webSocketPair, type WebSocketFramePair } from './ws-pair.js'

/** Two connected FrameChannels and the teardown of everything under them. */
export interface FrameChannelPair {
  readonly a: FrameChannel
  readonly b: FrameChannel
  /** Closes both channels and everything under them (channels, connections, servers). */
  close(): Promise<void>
}

/** Two open RTCDataChannels, one per peer connection, and their teardown. */
export interface RawDataChannelPair {
  readonly pcA: RTCPeerConnection
  readonly pcB: RTCPeerConnection
  /** The channel created by `pcA` (the offerer). */
  readonly dcA: RTCDataChannel
  /** The same channel as `pcB` received it. */
  readonly dcB: RTCDataChannel
  /** What both peers gathered and what the relay passed on (only 127.0.0.1). */
  readonly candidates: CandidateLog
  /** The second channel, when {@link RawPairOptions.baselineLabel} asked for one. */
  readonly baseline?: BaselineChannels
  /** Closes both channels and both peer connections. */
  close(): Promise<void>
}

/** A {@link FrameChannelPair} over {@link RawDataChannelPair}: `a` wraps `dcA`, `b` wraps `dcB`. */
export interface DataChannelFramePair extends FrameChannelPair {
  readonly raw: RawDataChannelPair
}

/** Two ends of a second, unwrapped data channel on the same connections as a frame pair. */
export interface BaselineChannels {
  readonly dcA: RTCDataChannel
  readonly dcB: RTCDataChannel
}

/** Hooks for {@link rawNodeDataChannelPair} and {@link rawWrtcDataChannelPair}. */
export interface RawPairOptions {
  /** Options for `createDataChannel`. @default {} (ordered, reliable) */
  init?: RTCDataChannelInit
  /** Called as soon as each side's channel exists, before it is open. */
  onChannel?: (side: 'a' | 'b', dc: RTCDataChannel) => void
  /**
   * Also open a second ordered, reliable channel with this label on the same connections, left
   * unwrapped (`baseline` of the result): benchmarks time the raw channel next to netbeam's over
   * the very same SCTP association.
   */
  baselineLabel?: string
  /** Rewrites the signalling between the peers (e.g. to route them through a relay). */
  rewrite?: SignalRewrite
}

/** The RTCConfiguration that keeps node-datachannel on 127.0.0.1 (no STUN, bound to loopback). */
export const NODE_DATACHANNEL_LOOPBACK_CONFIG = { iceServers: [], bindAddress: '127.0.0.1' }

/**
 * A node-datachannel polyfill RTCPeerConnection bound to 127.0.0.1 (it gathers a single loopback
 * candidate). For tests that need a real connection without a peer, e.g. to create channels.
 */
export async function newNodeDataChannelPeerConnection(): Promise<RTCPeerConnection> {
  const { RTCPeerConnection: NdcPeerConnection } = await import('node-datachannel/polyfill')
  const config: RTCConfiguration = { ...NODE_DATACHANNEL_LOOPBACK_CONFIG }
  // The polyfill implements RTCPeerConnection; only its event classes differ nominally from DOM's.
  return new NdcPeerConnection(config) as unknown as RTCPeerConnection
}

/** An @roamhq/wrtc RTCPeerConnection without STUN servers (it still gathers every interface). */
export async function newWrtcPeerConnection(): Promise<RTCPeerConnection> {
  const wrtc = interopDefault<typeof import('@roamhq/wrtc')>(await import('@roamhq/wrtc'))
  return new wrtc.RTCPeerConnection({ iceServers: [] })
}

/** Two open RTCDataChannels over node-datachannel's polyfill, bound to 127.0.0.1. */
export async function rawNodeDataChannelPair(options: RawPairOptions = {}): Promise<RawDataChannelPair> {
  const [pcA, pcB] = [await newNodeDataChannelPeerConnection(), await newNodeDataChannelPeerConnection()]
  return connectRawPair('node-datachannel data channel pair', pcA, pcB, options)
}

/**
 * Two open RTCDataChannels over @roamhq/wrtc. It cannot bind to an address, so the relay passes
 * on only 127.0.0.1 candidates (see `candidates` for what was gathered). Every packet then goes
 * to 127.0.0.1 or back to the sender's source address, so nothing leaves the machine; but the
 * sending socket may be one wrtc bound to another local interface (libwebrtc ranks loopback
 * last). Run under `unshare -n` (only `lo` up) for strictly 127.0.0.1 sockets.
 */
export async function rawWrtcDataChannelPair(options: RawPairOptions = {}): Promise<RawDataChannelPair> {
  const [pcA, pcB] = [await newWrtcPeerConnection(), await newWrtcPeerConnection()]
  return connectRawPair('@roamhq/wrtc data channel pair', pcA, pcB, options)
}

/** FrameChannels over node-datachannel data channels; `a` is wrapped while still connecting. */
export function nodeDataChannelPair(options: FrameChannelOptions = {}, baselineLabel?: string): Promise<DataChannelFramePair> {
  return framePair(rawNodeDataChannelPair, options, baselineLabel === undefined ? {} : { baselineLabel })
}

/** FrameChannels over @roamhq/wrtc data channels; `a` is wrapped while still connecting. */
export function wrtcDataChannelPair(options: FrameChannelOptions = {}, baselineLabel?: string): Promise<DataChannelFramePair> {
  return framePair(rawWrtcDataChannelPair, options, baselineLabel === undefined ? {} : { baselineLabel })
}

/** FrameChannels over the raw pair `connect` opens with `rawOptions`; `a` is wrapped while still connecting. */
export async function framePair(
  connect: (options: RawPairOptions) => Promise<RawDataChannelPair>,
  options: FrameChannelOptions,
  rawOptions: Omit<RawPairOptions, 'onChannel'>,
): Promise<DataChannelFramePair> {
  const channels: Partial<Record<'a' | 'b', FrameChannel>> = {}
  const raw = await connect({
    ...rawOptions,
    onChannel: (side, dc) => {
      channels[side] = fromDataChannel(dc, options)
    },
  })
  const { a, b } = channels
  if (a === undefined || b === undefined) throw new Error('a data channel was not wrapped')
  return {
    a,
    b,
    raw,
    async close() {
      a.close()
      b.close()
      await raw.close()
    },
  }
}

async function connectRawPair(
  what: string,
  pcA: RTCPeerConnection,
  pcB: RTCPeerConnection,
  options: RawPairOptions,
): Promise<RawDataChannelPair> {
  const candidates = candidateLog()
  const { baselineLabel } = options
  let dcB: RTCDataChannel | undefined
  let baselineB: RTCDataChannel | undefined
  const dcA = pcA.createDataChannel('netbeam', options.init ?? {})
  options.onChannel?.('a', dcA)
  const baselineA = baselineLabel === undefined ? undefined : pcA.createDataChannel(baselineLabel)
  let gotBaseline!: () => void
  const baselineReceived = new Promise<void>((resolve) => (gotBaseline = resolve))
  if (baselineA === undefined) gotBaseline()
  const received = new Promise<RTCDataChannel>((resolve) => {
    pcB.ondatachannel = (event) => {
      if (baselineLabel !== undefined && event.channel.label === baselineLabel) {
        baselineB = event.channel
        gotBaseline()
        return
      }
      dcB = event.channel
      options.onChannel?.('b', dcB)
      resolve(dcB)
    }
  })
  async function close(): Promise<void> {
    for (const closable of [dcA, dcB, baselineA, baselineB, pcA, pcB]) {
      try {
        closable?.close()
      } catch {
        // Already closed.
      }
    }
    await nextMacrotask()
  }
  const connecting = (async (): Promise<RawDataChannelPair> => {
    await negotiate(pcA, pcB, candidates, options.rewrite)
    const remote = await received
    await baselineReceived
    await Promise.all([dcA, remote, baselineA, baselineB].map((dc) => (dc === undefined ? undefined : opened(dc))))
    const baseline = baselineA === undefined || baselineB === undefined ? {} : { baseline: { dcA: baselineA, dcB: baselineB } }
    return { pcA, pcB, dcA, dcB: remote, candidates, close, ...baseline }
  })()
  const diagnose = (): string =>
    `(a: ${describeConnection(pcA)}, channel ${dcA.readyState}${baselineA === undefined ? '' : `, baseline ${baselineB?.readyState ?? 'not received'}`}; ` +
    `b: ${describeConnection(pcB)}, channel ${dcB?.readyState ?? 'not received'}; ${describeCandidates(candidates)})`
  return connectWithin(what, connecting, close, diagnose)
}

function opened(dc: RTCDataChannel): Promise<void> {
  return dc.readyState === 'open' ? Promise.resolve() : once(dc, 'open')
}

