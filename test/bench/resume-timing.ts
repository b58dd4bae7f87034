/**
 * The resume latency measurement shared by the loopback rows (resume.bench.ts) and the lossy-path
 * rows (resume-path.bench.ts): resumes onto a new DataChannel of the same connection, in blocks
 * alternating with the raw RTT on a warm channel and a raw first round trip on a fresh channel.
 */
import { fromDataChannel } from '../../src/transport/data-channel.js'
import { openExtraChannel, type ExtraChannel } from '../helpers/extra-channel.js'
import { nextResumed, nextSuspended } from '../helpers/resume-probes.js'
import type { SessionPair } from '../helpers/session-pair.js'
import { alternateBlocks, wholeRound } from './paired.js'
import { rawPinger, type RawChannels } from './raw.bench.js'
import { timeRounds } from './stats.js'

/** Where the resumable session's channels come from: each resume takes a new one. */
export interface ChannelSource {
  current: ExtraChannel
  next(): Promise<ExtraChannel>
}

/** Negotiated channel ids from `firstId` up on `pcA`/`pcB`, the first one already open. */
export async function extraChannels(pcA: RTCPeerConnection, pcB: RTCPeerConnection, firstId: number): Promise<ChannelSource> {
  let nextId = firstId
  return { current: await openExtraChannel(pcA, pcB, nextId++), next: () => openExtraChannel(pcA, pcB, nextId++) }
}

export interface ResumeTimingSize {
  readonly blocks: number
  readonly resumesPerBlock: number
  readonly pingsPerBlock: number
}

/** Samples in ms: each resume, each warm raw round trip, each fresh channel's first round trip. */
export interface ResumeSamples {
  readonly resumeMs: number[]
  readonly rttMs: number[]
  readonly firstMs: number[]
}

/**
 * Closes the resumable session's channel, waits until both sides are suspended, opens a new
 * channel and times from both its ends open to the later of the two sides' `resumed` events
 * (both sides call `resume` at once).
 */
async function timeOneResume(on: SessionPair, channels: ChannelSource): Promise<number> {
  const suspended = Promise.all([nextSuspended(on.leader), nextSuspended(on.follower)])
  channels.current.dcA.close() // the channel closes on both ends
  await suspended
  channels.current = await channels.next()
  const [a, b] = [fromDataChannel(channels.current.dcA), fromDataChannel(channels.current.dcB)]
  const resumedAt = (session: SessionPair['leader']): Promise<number> => nextResumed(session).then(() => performance.now())
  const events = Promise.all([resumedAt(on.leader), resumedAt(on.follower)])
  const started = performance.now()
  await Promise.all([on.leader.resume(a), on.follower.resume(b)])
  return Math.max(...(await events)) - started
}

/** One ping-pong on a channel just opened on the connection: the floor under a resume onto it. */
async function timeFirstRoundTrip(channels: ChannelSource): Promise<number> {
  const fresh = await channels.next()
  const pinger = rawPinger(fresh)
  try {
    const started = performance.now()
    await pinger.round(0)
    return performance.now() - started
  } finally {
    pinger.dispose()
    fresh.dcA.close()
  }
}

/** Resumes of `on`, paired in alternating blocks with raw round trips on `warm` and on fresh channels. */
export async function timeResumes(on: SessionPair, warm: RawChannels, channels: ChannelSource, size: ResumeTimingSize): Promise<ResumeSamples> {
  const pinger = rawPinger(warm)
  const samples: ResumeSamples = { resumeMs: [], rttMs: [], firstMs: [] }
  try {
    await timeRounds(10, wholeRound(pinger.round))
    await timeOneResume(on, channels) // warm-up: the handshake's code paths and Web Crypto's first keys
    await alternateBlocks(
      size.blocks,
      async () => {
        for (let i = 0; i < size.resumesPerBlock; i++) samples.resumeMs.push(await timeOneResume(on, channels))
      },
      async () => {
        samples.rttMs.push(...(await timeRounds(size.pingsPerBlock, wholeRound(pinger.round))))
        for (let i = 0; i < size.resumesPerBlock; i++) samples.firstMs.push(await timeFirstRoundTrip(channels))
      },
    )
  } finally {
    pinger.dispose()
  }
  return samples
}
