/**
 * Resume latency on a real path (issues 14 and 16): two resumable sessions over node-datachannel
 * through the lossy relay (20 ms ± 5 ms one way), resumed again and again onto a new negotiated
 * DataChannel of the same relayed connection, both sides calling `resume` at once. Each resume is
 * timed from both ends of the new channel open to the later side's `resumed`, in blocks
 * alternating with the raw RTT on a warm channel of the same connection. Over loopback the fixed
 * costs (Web Crypto, a new SCTP stream's first message) dwarf the 0.14 ms RTT; here the RTT
 * dominates, as it does for users.
 *
 * The headline row runs with no loss, so that one lost datagram (an SCTP retransmission timeout
 * of hundreds of ms) does not decide a sample; a second row (full run only) keeps the 2 % loss.
 */
import { fromDataChannel } from '../../src/transport/data-channel.js'
import { lossyRawPair, LOSSY_PATH, type PathConditions } from '../helpers/lossy-pair.js'
import { resumeOptions } from '../helpers/resume-probes.js'
import { openSessions } from '../helpers/session-pair.js'
import type { Report } from './report.js'
import { extraChannels, timeResumes, type ResumeTimingSize } from './resume-timing.js'
import { summarize } from './stats.js'

const IMPL = 'node-datachannel, lossy relay'
const SESSION = { heartbeatMs: 1000, timeoutMs: 12_000 }
/** Negotiated ids for the resumable session's channels, clear of the pair's own. */
const FIRST_EXTRA_ID = 100

export async function benchResumePath(report: Report, quick: boolean): Promise<void> {
  const size: ResumeTimingSize = quick ? { blocks: 2, resumesPerBlock: 2, pingsPerBlock: 5 } : { blocks: 10, resumesPerBlock: 4, pingsPerBlock: 20 }
  await addRow(report, 'lossy path: resume: new channel open → resumed', { ...LOSSY_PATH, loss: 0 }, size)
  if (!quick) await addRow(report, `lossy path: resume: new channel open → resumed (${LOSSY_PATH.loss * 100} % loss)`, LOSSY_PATH, size)
}

async function addRow(report: Report, name: string, conditions: PathConditions, size: ResumeTimingSize): Promise<void> {
  const raw = await lossyRawPair(conditions, 14)
  try {
    const channels = await extraChannels(raw.pcA, raw.pcB, FIRST_EXTRA_ID)
    const on = await openSessions([fromDataChannel(channels.current.dcA), fromDataChannel(channels.current.dcB)], {
      leader: resumeOptions(60_000, SESSION),
      follower: resumeOptions(60_000, SESSION),
    })
    let samples
    try {
      samples = await timeResumes(on, raw, channels, size)
    } finally {
      await on.close()
      channels.current.dcA.close()
    }
    const [resumed, rtt, first] = [summarize(samples.resumeMs), summarize(samples.rttMs), summarize(samples.firstMs)]
    const ratio = resumed.median / rtt.median
    const { delayMs, jitterMs, loss } = conditions
    const lost = raw.path.stats.lost
    report.add({
      name,
      impl: IMPL,
      median: resumed.median,
      p99: resumed.p99,
      unit: 'ms',
      baseline: 'raw RTT (paired)',
      ratio,
      note:
        `${delayMs} ms ± ${jitterMs} ms one way, ${loss * 100} % loss (${lost} datagrams lost in the run); ${resumed.count} resumes onto a new DataChannel of the same relayed connection, ` +
        `both sides at once, from both ends open to the later side's \`resumed\`; raw RTT (warm channel, alternating blocks) median ${rtt.median.toFixed(1)} ms, p99 ${rtt.p99.toFixed(1)} ms; ` +
        `raw first round trip on a new channel median ${first.median.toFixed(1)} ms`,
      target: '≤ 1.5× raw RTT',
      met: ratio <= 1.5,
    })
  } finally {
    await raw.close()
  }
}
