import type { OpHost, OpOptions } from '../../core/op-host.js'

/** What the function started by `syncStart` receives. */
export interface SyncStartInfo<P> {
  /** The payload the peer passed to its `syncStart`. */
  readonly peerPayload: P
  /** The agreed start instant on the shared timeline (the leader's clock), in ms. */
  readonly at: number
  /** How late this side actually started against `at` on its view of the shared timeline, in ms (≥ 0). */
  readonly lateByMs: number
}

/** Options for `session.syncStart`. */
export interface SyncStartOptions extends OpOptions {
  /**
   * A value handed to the peer's function as `peerPayload` (anything the session can encode).
   * @default undefined
   * @example session.syncStart(go, { payload: { level: 3 } })
   */
  payload?: unknown
  /**
   * How long after the agreement (the leader holding both sides' calls) the start is scheduled,
   * in ms; the larger of both sides' values wins. Never less than the message needs: 4 × the
   * best measured round-trip time + 2 ms, nor less than either side's `clock.recentDelayMs` + 2 ms
   * (its slowest recent round trip plus how late its own timers ran lately: a busy machine asks
   * for more); and when the follower makes many calls in one synchronous run, it asks for 1 ms per
   * call, because handling them keeps both sides busy. At most one day.
   * @default 50
   * @example session.syncStart(go, { delayMs: 200 })
   */
  delayMs?: number
}

/** What syncStart needs from its session: ports, and the measured delays for the minimum lead. */
export interface SyncStartHost extends OpHost {
  readonly clock: { readonly rttMs: number; readonly recentDelayMs: number }
  /**
   * What the follower's `ready` messages are batched by: the session, shared by its key spaces
   * (a scope's host gives its session's), since one burst of calls busies the whole session.
   * The host itself when absent.
   */
  readonly batch?: object
}
