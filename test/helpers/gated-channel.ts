import type { FrameChannel } from '../../src/transport/frame-channel.js'
import { NetError } from '../../src/base/errors.js'
import { deferred, type Deferred } from '../../src/base/deferred.js'
import { openSessions, type SessionPair } from './session-pair.js'

/** A {@link FrameChannel} whose outgoing frames a test can hold back and let go, in order. */
export interface GatedChannel extends FrameChannel {
  /** From now on, frames sent are held here instead of going out; the next `passFirst` still go. */
  hold(passFirst?: number): void
  /** Calls `act` when the next frame is sent, before it goes out (or is held). */
  beforeNextSend(act: () => void): void
  /** Sends everything held, in the order it was sent, and stops holding. */
  release(): void
  /** Frames held right now. */
  readonly heldFrames: number
  /** Resolves once at least `count` frames are held. */
  untilHolding(count: number): Promise<void>
}

interface HeldFrame {
  readonly frame: Uint8Array
  readonly lane: string | undefined
  readonly sent: Deferred<void>
}

/**
 * Wraps a real channel (memory pair, WebRTC, …) with a gate on its sending side: an explicit way
 * to make two sides' messages cross on the wire, or to keep one side's answer in flight while
 * the other acts, without sleeping. Everything else passes straight through.
 */
export function gatedChannel(inner: FrameChannel): GatedChannel {
  let holding = false
  let passing = 0
  let beforeSend: (() => void) | undefined
  const held: HeldFrame[] = []
  const waiters = new Set<{ count: number; reached: () => void }>()
  return {
    send(frame, lane) {
      const act = beforeSend
      beforeSend = undefined
      act?.()
      if (!holding || passing-- > 0) return inner.send(frame, lane)
      // A session frame may be a view into the codec's shared buffer (a Buffer in Node, whose
      // slice() is a view too): hold a copy of its own.
      const item = { frame: new Uint8Array(frame), lane, sent: deferred<void>() }
      held.push(item)
      for (const waiter of waiters) if (held.length >= waiter.count) waiter.reached()
      return item.sent.promise
    },
    untilHolding(count) {
      if (held.length >= count) return Promise.resolve()
      return new Promise<void>((resolve) => {
        const waiter = { count, reached: () => (waiters.delete(waiter), resolve()) }
        waiters.add(waiter)
      })
    },
    hold(passFirst = 0) {
      holding = true
      passing = passFirst
    },
    beforeNextSend(act) {
      beforeSend = act
    },
    release() {
      holding = false
      for (const item of held.splice(0)) inner.send(item.frame, item.lane).then(item.sent.resolve, item.sent.reject)
    },
    get heldFrames() {
      return held.length
    },
    onFrame: (receiver) => inner.onFrame(receiver),
    get closed() {
      return inner.closed
    },
    get isClosed() {
      return inner.isClosed
    },
    get bufferedAmount() {
      return inner.bufferedAmount
    },
    close: (reason) => {
      const closed = reason ?? new NetError('closed', 'the channel was closed locally')
      for (const item of held.splice(0)) item.sent.reject(closed)
      inner.close(reason)
    },
  }
}

/** Two open sessions whose channels are gated (see {@link gatedChannel}), with message counters. */
export interface GatedSessionPair extends SessionPair {
  readonly leaderGate: GatedChannel
  readonly followerGate: GatedChannel
}

/** Opens two sessions over gated ends of `channels`; the first channel's side is the leader. */
export async function openGatedSessions(
  channels: [FrameChannel, FrameChannel],
  options?: Parameters<typeof openSessions>[1],
): Promise<GatedSessionPair> {
  const [leaderGate, followerGate] = [gatedChannel(channels[0]), gatedChannel(channels[1])]
  const pair = await openSessions([leaderGate, followerGate], options)
  return { ...pair, leaderGate, followerGate }
}
