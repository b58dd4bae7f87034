/**
 * Session resume benchmarks (issue 14), over one node-datachannel connection on 127.0.0.1 that
 * carries a session with resume off, one with resume on, and a raw channel for the RTT, so that
 * every comparison is paired on the same SCTP association in the same run:
 * - the time from a new channel's `open` to `resumed` (both sides calling `resume` at once),
 *   next to the raw RTT timed in alternating blocks;
 * - bulk channel throughput with resume on, in blocks alternating with resume off;
 * - join and hand-off latency with resume on, alternating with resume off;
 * - port messages per operation with resume on and off (the acks ride on traffic).
 */
import { fromDataChannel } from '../../src/transport/data-channel.js'
import { resumeOptions } from '../helpers/resume-probes.js'
import { openSessions, type SessionPair } from '../helpers/session-pair.js'
import { nodeDataChannelPair } from '../helpers/webrtc-pair.js'
import type { RawChannels } from './raw.bench.js'
import type { Report } from './report.js'
import { addBulkRow, addLatencyRows } from './resume-paired.bench.js'
import { extraChannels, timeResumes, type ChannelSource } from './resume-timing.js'
import { summarize } from './stats.js'
import { benchWireCosts } from './wire.bench.js'

/** How much of each resume benchmark to run. */
export interface ResumeBenchSize {
  /** Blocks of resumes, each alternating with a block of raw pings. */
  readonly resumeBlocks: number
  readonly resumesPerBlock: number
  readonly pingsPerBlock: number
  /** Join and hand-off rounds, each side of the pair. */
  readonly latencyRounds: number
  /** Bytes sent with resume on, and again with it off, in eight alternating blocks. */
  readonly bulkBytes: number
}

const IMPL = 'node-datachannel'
/** Negotiated channel ids: the resumable session's first channel, then one per resume. */
const FIRST_EXTRA_ID = 100

export async function benchResume(report: Report, size: ResumeBenchSize): Promise<void> {
  const frames = await nodeDataChannelPair({}, 'baseline')
  const { pcA, pcB, baseline } = frames.raw
  if (baseline === undefined) throw new Error('the frame pair has no baseline channel')
  const channels = await extraChannels(pcA, pcB, FIRST_EXTRA_ID)
  const quiet = { heartbeatMs: 1000 }
  const off = await openSessions([frames.a, frames.b], { leader: quiet, follower: quiet })
  const on = await openSessions([fromDataChannel(channels.current.dcA), fromDataChannel(channels.current.dcB)], {
    leader: resumeOptions(60_000, quiet),
    follower: resumeOptions(60_000, quiet),
  })
  try {
    // First, while the resumable session still runs on the channel its counters watch.
    addWireRows(report, await benchWireCosts(off), await benchWireCosts(on))
    await addLatencyRows(report, on, off, size.latencyRounds)
    await addBulkRow(report, on, off, size.bulkBytes)
    await addResumeRows(report, on, baseline, channels, size)
  } finally {
    await Promise.all([off.close(), on.close()])
    channels.current.dcA.close()
    await frames.close()
  }
}

/**
 * Time from a new channel's open (both ends) to both sides resumed, the two calling `resume` at
 * once, in blocks alternating with the raw RTT on a warm channel and with a raw first round trip
 * on a fresh channel (the same connection): a new SCTP stream's first messages are slower.
 */
async function addResumeRows(report: Report, on: SessionPair, warm: RawChannels, channels: ChannelSource, size: ResumeBenchSize): Promise<void> {
  const samples = await timeResumes(on, warm, channels, { blocks: size.resumeBlocks, resumesPerBlock: size.resumesPerBlock, pingsPerBlock: size.pingsPerBlock })
  const [resumed, rtt, first] = [summarize(samples.resumeMs), summarize(samples.rttMs), summarize(samples.firstMs)]
  report.add({
    name: 'raw first round trip on a new channel',
    impl: IMPL,
    median: first.median,
    p99: first.p99,
    unit: 'ms',
    baseline: 'raw RTT (paired)',
    ratio: first.median / rtt.median,
    note: 'one ping-pong on a DataChannel just opened on the connection: the floor under a resume onto a new channel',
  })
  const ratio = resumed.median / rtt.median
  report.add({
    name: 'resume: new channel open → resumed',
    impl: IMPL,
    median: resumed.median,
    p99: resumed.p99,
    unit: 'ms',
    baseline: 'raw RTT (paired)',
    ratio,
    note: `both sides resume at once on a new channel of the same connection, timed from both ends open to the later side's \`resumed\`; raw RTT (warm channel) median ${rtt.median.toFixed(3)} ms; ${(resumed.median / first.median).toFixed(2)}× the raw first round trip on a new channel`,
    target: '≤ 1.5× raw RTT',
    met: ratio <= 1.5,
  })
}

/** Port messages per operation with resume on must be those with resume off. */
function addWireRows(report: Report, off: Awaited<ReturnType<typeof benchWireCosts>>, on: Awaited<ReturnType<typeof benchWireCosts>>): void {
  for (const op of ['join', 'mutex hand-off', 'channel message']) {
    const [withOff, withOn] = [off[op], on[op]]
    if (withOff === undefined || withOn === undefined) throw new Error(`no wire cost for ${op}`)
    report.add({
      name: `wire (resume on): ${op}`,
      impl: IMPL,
      median: withOn.messages,
      unit: 'messages',
      baseline: 'resume off',
      ratio: withOn.messages / withOff.messages,
      note: `${withOn.bytes} bytes; resume off: ${withOff.messages} messages, ${withOff.bytes} bytes`,
      target: '= resume off',
      met: withOn.messages === withOff.messages,
    })
  }
}
