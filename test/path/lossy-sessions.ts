/**
 * Two sessions with the library's default options over a node-datachannel pair on a
 * {@link LossyPath} (not a test file: vitest only runs *.test.ts), with a raw channel beside
 * theirs on the same connection for measuring the path's round trip, and a record of whether
 * either session closed.
 */
import { expect } from 'vitest'
import type { NetError } from '../../src/base/errors.js'
import { Session } from '../../src/session.js'
import type { SessionOptions } from '../../src/core/options.js'
import { rawPinger } from '../bench/raw.bench.js'
import { summarize, timeRounds, type Summary } from '../bench/stats.js'
import { lossyFramePair, type LossyFramePair, type PathConditions } from '../helpers/lossy-pair.js'

export interface LossySessions {
  readonly leader: Session
  readonly follower: Session
  readonly frames: LossyFramePair
  /** Round trips of a raw message on the same connection, ms. */
  measureRtt(rounds: number): Promise<Summary>
  /** Each side's close reason, once it closed. */
  readonly closedWith: { leader?: NetError; follower?: NetError }
  /** The path lost datagrams (it is the lossy path it claims to be) and no session closed. */
  expectLossyAndOpen(): void
  close(): Promise<void>
}

export async function lossySessions(conditions: PathConditions, seed: number, options: SessionOptions = {}): Promise<LossySessions> {
  const frames = await lossyFramePair(conditions, seed, {}, 'rtt')
  const baseline = frames.raw.baseline
  if (baseline === undefined) throw new Error('no raw channel beside the session')
  const [leader, follower] = await Promise.all([
    Session.open(frames.a, { ...options, role: 'leader' }),
    Session.open(frames.b, { ...options, role: 'follower' }),
  ])
  const closedWith: LossySessions['closedWith'] = {}
  void leader.closed.then((reason) => (closedWith.leader = reason))
  void follower.closed.then((reason) => (closedWith.follower = reason))
  const pinger = rawPinger(baseline)
  return {
    leader,
    follower,
    frames,
    closedWith,
    measureRtt: async (rounds) => summarize(await timeRounds(rounds, pinger.round)),
    expectLossyAndOpen() {
      expect(frames.path.stats.lost, 'datagrams the path lost').toBeGreaterThan(0)
      expect(closedWith).toEqual({})
    },
    async close() {
      pinger.dispose()
      await Promise.all([leader.close(), follower.close()])
      await frames.close()
    },
  }
}
