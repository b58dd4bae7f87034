import type { FrameChannel } from '../channel/frame-channel.js'
import { SessionCore } from './session-core.js'
import type { SessionOptions } from './options.js'

/**
 * A netbeam session over one ordered, reliable channel between two peers. Every primitive runs
 * over it, multiplexed by key.
 *
 * @example
 * ```ts
 * const session = await Session.open(fromDataChannel(dc))
 * const { won } = await session.select(async (signal) => race(signal))
 * await session.close()
 * ```
 */
export class Session extends SessionCore {
  /**
   * Opens a session: both sides exchange hellos (protocol version, leader election) and clock
   * probes. Rejects with NetError `version` if the peer speaks another protocol version, and with
   * NetError `timeout` if the peer stays silent.
   */
  static async open(channel: FrameChannel, options: SessionOptions = {}): Promise<Session> {
    const session = new Session(channel, options)
    await session.start(options.signal)
    return session
  }

  /** `'leader'` or `'follower'`: the leader breaks exact ties and its clock is the shared timeline. */
  get role(): 'leader' | 'follower' {
    return this.isLeader ? 'leader' : 'follower'
  }
}
