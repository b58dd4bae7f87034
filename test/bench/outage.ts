/**
 * Outages on the same connection, resume off: for each outage length, a fresh pair of sessions
 * with the default options over a {@link LossyPath}, a channel stream through the outage, and
 * what happened (survived and how soon values flowed again, or closed with which code when).
 * Also prints when SCTP retransmitted into the outage (its backoff schedule).
 *
 *   node --import tsx test/bench/outage.ts [delayMs[,jitterMs[,loss]]] [lengths in s, comma-separated] [timeoutMs]
 *
 * e.g. `… outage.ts 20,5 1,3,4.5,6,8,13`: 20 ms ± 5 ms one way, the defaults' table in README.md.
 */
import { Session } from '../../src/session.js'
import { lossyFramePair, type PathConditions } from '../helpers/lossy-pair.js'
import { streamThroughOutage } from '../helpers/outage-trial.js'

const [delayMs = 10, jitterMs = 0, loss = 0] = (process.argv[2] ?? '10').split(',').map(Number)
const lengths = (process.argv[3] ?? '1,2,3,4,4.5,5,6,8').split(',').map((s) => Number(s) * 1000)
const timeoutMs = process.argv[4] === undefined ? undefined : Number(process.argv[4])
const conditions: PathConditions = { delayMs, jitterMs, loss }

async function trial(outageMs: number, seed: number): Promise<void> {
  const frames = await lossyFramePair(conditions, seed)
  const options = timeoutMs === undefined ? {} : { timeoutMs }
  const [leader, follower] = await Promise.all([
    Session.open(frames.a, { ...options, role: 'leader' }),
    Session.open(frames.b, { ...options, role: 'follower' }),
  ])
  try {
    const outcome = await streamThroughOutage({ leader, follower }, frames.path, outageMs)
    const downAt = frames.path.cuts[0]?.at ?? 0
    const retransmits = frames.path.cuts
      .filter((cut) => cut.from === 'a' && cut.bytes > 100)
      .map((cut) => ((cut.at - downAt) / 1000).toFixed(2))
    const what =
      outcome.closed === undefined
        ? `survived; first value ${outcome.recoveryMs?.toFixed(0) ?? '—'} ms after the path came back`
        : `closed with ${outcome.closed.code} at ${(outcome.closed.atMs / 1000).toFixed(2)} s (${outcome.closed.message})`
    console.log(
      `${(outageMs / 1000).toFixed(1)} s outage: ${what}; ${outcome.delivered} values, in order: ${outcome.inOrder}; ` +
        `leader's datagrams into the outage at [${retransmits.join(', ')}] s`,
    )
  } finally {
    await Promise.all([leader.close(), follower.close()])
    await frames.close()
  }
}

console.log(`path ${delayMs} ms ± ${jitterMs} ms one way, ${loss * 100} % loss; session options: ${timeoutMs === undefined ? 'defaults' : `timeoutMs ${timeoutMs}`}`)
for (const [i, length] of lengths.entries()) await trial(length, i + 1)
process.exit(0)
