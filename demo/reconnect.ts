// Surviving a dropped connection: the session is opened with `resume` (net.ts), so when the
// WebRTC connection drops it is only suspended. Then this joins the room on the relay again,
// connects a new peer (a new RTCPeerConnection) and resumes the session over it: the game's
// pending races, locks and messages carry on as if nothing happened. If the other player does not
// come back within the grace period, the session closes (NetError `timeout`) and the page goes back
// to waiting for a player, as when a player leaves.
import { fromSimplePeer, type NetError, type Session } from 'netbeam'
import { connectPeer, type PeerConnection } from '../support/signalling.js'
import { describeError, sleep } from './net.js'

/** A short pause between attempts, so a failing relay is not hammered. */
const RETRY_MS = 500

export interface ReconnectEvents {
  /** The connection dropped (`reason`): the page shows "Reconnecting…". */
  dropped(reason: NetError): void
  /** The session resumed over a new connection. */
  resumed(): void
  log(line: string): void
}

/** Keeps one session going across dropped connections, for as long as the session lasts. */
export class Reconnector {
  #connection: PeerConnection
  #running: Promise<void> | undefined
  readonly #gone = new AbortController()

  constructor(
    private readonly session: Session,
    private readonly room: string,
    connection: PeerConnection,
    private readonly events: ReconnectEvents,
  ) {
    this.#connection = connection
    session.on('suspended', (reason) => {
      events.dropped(reason)
      this.#running ??= this.#reconnect().finally(() => (this.#running = undefined))
    })
    void session.closed.then((reason) => this.#gone.abort(reason))
  }

  /** The peer connection the session runs over now (for the test hook's simulated drop). */
  get connection(): PeerConnection {
    return this.#connection
  }

  /** Once the session has closed: waits for a reconnect attempt to stop, then leaves the room. */
  async close(): Promise<void> {
    await this.#running
    this.#connection.close()
    await this.#connection.left
  }

  /** Tries again until the session is open (resumed) or closed (the grace period passed). */
  async #reconnect(): Promise<void> {
    const signal = this.#gone.signal
    while (this.session.state === 'suspended') {
      // Leave the room first: the relay pairs the two players again when both have re-joined.
      this.#connection.close()
      await this.#connection.left
      try {
        this.#connection = await connectPeer(this.room, { signal })
        await this.session.resume(fromSimplePeer(this.#connection.peer), { signal })
        this.events.resumed()
      } catch (err) {
        if (signal.aborted) return
        this.events.log(`reconnecting failed (${describeError(err)}); trying again`)
        await sleep(RETRY_MS, signal)
      }
    }
  }
}
