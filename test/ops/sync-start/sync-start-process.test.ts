import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startPeerProcesses, type PeerProcesses } from '../../helpers/sync-start-procs.js'

const SKEW = 12_345.678
/** Float slack (ms): readings near 1.7e12 ms carry ~2.4e-4 ms of rounding each. */
const EPS = 1e-3

describe('syncStart between two Node processes over real WebRTC', () => {
  let peers: PeerProcesses
  beforeAll(async () => {
    peers = await startPeerProcesses({ skewMs: SKEW })
  })
  afterAll(async () => {
    await peers?.close()
  })

  it('the follower estimates the offset between the two clocks within its error bound', () => {
    const { offsetMs: offset, errorBoundMs: errorBound } = peers.openClock
    const [low, high] = peers.trueOffset
    const error = Math.max(0, low - offset, offset - high)
    console.log(
      `two processes: offset ${offset.toFixed(4)} ms, true offset in [${low.toFixed(4)}, ${high.toFixed(4)}] ms (injected skew ${-SKEW}), ` +
        `error ${error.toFixed(4)} ms, errorBound ${errorBound.toFixed(4)} ms`,
    )
    expect(error).toBeLessThanOrEqual(errorBound + EPS)
  })

  it("both processes schedule one instant of the machine's monotonic clock, within the follower's error bound", async () => {
    const rounds = 30
    const skews: number[] = []
    let refused = 0
    for (let i = 0; i < rounds; i++) {
      const r = await peers.syncStart(`round${i}`, 100)
      if (!r.ok) {
        // The follower heard of the instant after it had passed (a stall longer than the lead):
        // both refuse, the leader because it started alone.
        expect(r.codes, `round ${i}`).toEqual(['late', 'late'])
        refused++
        continue
      }
      skews.push(Math.abs(Number(r.leaderHr - r.followerHr) / 1e6))
      // How late each process then ran is the machine's doing (a process descheduled while it
      // spins); where each put the agreed instant must agree within the clock's error bound.
      const [[leaderLo, leaderHi], [followerLo, followerHi]] = r.agreedHr
      const gapNs = [leaderLo - followerHi, followerLo - leaderHi, 0n].reduce((a, b) => (a > b ? a : b))
      const gapMs = Number(gapNs) / 1e6
      expect(gapMs, `round ${i}: agreed instants ${gapMs} ms apart, error bound ${r.clock.errorBoundMs} ms`).toBeLessThanOrEqual(r.clock.errorBoundMs + EPS)
    }
    skews.sort((a, b) => a - b)
    console.log(
      `two-process syncStart skew over ${skews.length} starts: median ${skews[skews.length >> 1]?.toFixed(4)} ms, max ${skews.at(-1)?.toFixed(4)} ms; ${refused} refused as late`,
    )
    expect(skews.length, 'at least one start to check').toBeGreaterThan(0)
  })

  it('1,000 concurrent syncStarts all start on both sides', async () => {
    // The default delay suffices on an idle machine; other test files may slow these processes.
    const sides = await peers.many(1000, 3000)
    expect(sides).toEqual([
      { ok: 1000, failed: 0, firstError: undefined },
      { ok: 1000, failed: 0, firstError: undefined },
    ])
  })
})
