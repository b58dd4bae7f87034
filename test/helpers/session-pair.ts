import { memoryPair, type MemoryFrameChannel, type MemoryPairOptions } from '../../src/transport/memory.js'
import type { FrameChannel } from '../../src/transport/frame-channel.js'
import type { SessionOptions } from '../../src/core/options.js'
import { Session } from '../../src/session.js'
import { countingChannel, type MessageCounts } from './counting-channel.js'

/** Two open sessions over one channel pair, with message counters on both sides. */
export interface SessionPair {
  /** The leader. */
  leader: Session
  /** The follower. */
  follower: Session
  /** Port messages sent by the leader / by the follower. */
  leaderCounts: MessageCounts
  followerCounts: MessageCounts
  /** Both messages counters added up. */
  totalMessages(): number
  resetCounts(): void
  /** Closes both sessions. */
  close(): Promise<void>
}

/** Opens two sessions over an existing pair of channels; the first channel's side is the leader. */
export async function openSessions(
  channels: [FrameChannel, FrameChannel],
  options: { leader?: SessionOptions; follower?: SessionOptions } = {},
): Promise<SessionPair> {
  const a = countingChannel(channels[0])
  const b = countingChannel(channels[1])
  const [leader, follower] = await Promise.all([
    Session.open(a.channel, { heartbeatMs: 200, timeoutMs: 5000, ...options.leader, role: 'leader' }),
    Session.open(b.channel, { heartbeatMs: 200, timeoutMs: 5000, ...options.follower, role: 'follower' }),
  ])
  return {
    leader,
    follower,
    leaderCounts: a.counts,
    followerCounts: b.counts,
    totalMessages: () => a.counts.total + b.counts.total,
    resetCounts() {
      a.counts.reset()
      b.counts.reset()
    },
    async close() {
      await Promise.all([leader.close(), follower.close()])
    },
  }
}

/** Two sessions over a {@link memoryPair}; the raw ends are returned too (pause, sever). */
export async function memorySessions(
  pairOptions: MemoryPairOptions = {},
  options: { leader?: SessionOptions; follower?: SessionOptions } = {},
): Promise<SessionPair & { leaderEnd: MemoryFrameChannel; followerEnd: MemoryFrameChannel }> {
  const [x, y] = memoryPair(pairOptions)
  const pair = await openSessions([x, y], options)
  return { ...pair, leaderEnd: x, followerEnd: y }
}
