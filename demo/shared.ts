// The values and streams the two players share over one session: the `game` channel (movement
// and readiness), the scoreboard in a NetMutex and the settings in a NetRwLock. Both locks are
// opened with `watch: true`: a value the peer commits arrives on its own and fires `change`
// (origin 'peer'), so neither side has to take a lock just to see the other's last write.
import type { NetMutex, NetRwLock, Session, TypedChannel } from 'netbeam'
import type { Point } from './layout.js'
import {
  parseGameMessage,
  sanitizeScoreboard,
  sanitizeSettings,
  type Color,
  type GameMessage,
  type Scoreboard,
  type Settings,
} from './protocol.js'
import type { DemoState } from './state.js'

export interface Shared {
  readonly session: Session
  readonly channel: TypedChannel<GameMessage>
  readonly score: NetMutex<Scoreboard>
  readonly settings: NetRwLock<Settings>
  /** Aborts when the session closes: ends this session's waits (e.g. `session.sleepUntil`). */
  readonly ended: AbortSignal
}

const ignore = (): void => {}

/** Opens the shared objects; both sides call this right after the session opened. */
export function openShared(session: Session, state: DemoState): Shared {
  // If both sides offer an initial value the leader's wins, so the page that stays in the room
  // (often the leader) keeps its settings across opponents only by luck; that is fine for a demo.
  const score = session.mutex<Scoreboard>('score', { initial: { blue: 0, amber: 0 }, watch: true })
  const settings = session.rwlock<Settings>('settings', { initial: { ...state.settings }, watch: true })
  score.on('change', (value) => (state.scores = sanitizeScoreboard(value)))
  settings.on('change', (value) => (state.settings = sanitizeSettings(value)))
  state.scores = sanitizeScoreboard(score.peek())
  state.settings = sanitizeSettings(settings.peek())
  const ending = new AbortController()
  void session.closed.then((reason) => ending.abort(reason))
  return { session, channel: session.channel<GameMessage>('game', { window: 512 }), score, settings, ended: ending.signal }
}

/** Sends a notification; once the session is gone there is nobody to tell. */
export function notify(shared: Shared, message: GameMessage): void {
  shared.channel.send(message).catch(ignore)
}

/** Reads the peer's messages until the channel or the session ends. */
export async function receiveMessages(shared: Shared, state: DemoState, onMessage: (m: GameMessage) => void): Promise<void> {
  try {
    for await (const raw of shared.channel) {
      const message = parseGameMessage(raw)
      if (message === undefined) continue
      switch (message.t) {
        case 'pos':
          state.peerPos = { x: message.x, y: message.y }
          state.peerSeenAt = performance.now()
          state.moves.received++
          break
        case 'ready':
          break
      }
      onMessage(message)
    }
  } catch {
    // The session closed; the page reports that from the session's `close` event.
  }
}

/** The winner of a pickup adds it to the scoreboard; the peer's `change` event shows it there. */
export function addPoint(shared: Shared, color: Color): Promise<Scoreboard> {
  return shared.score.withLock((g) => {
    const next = sanitizeScoreboard(g.value)
    next[color] += 1
    g.value = next
    return next
  })
}

/** Either player may edit the settings; they apply from the next round (the peer sees them at once). */
export async function saveSettings(shared: Shared, settings: Settings): Promise<void> {
  await shared.settings.withWrite((g) => {
    g.value = sanitizeSettings(settings)
  })
}

/**
 * Streams this player's position: at most one send in flight, and a newer position replaces one
 * still waiting, so a slow link gets the latest position rather than a backlog.
 */
export class PositionStream {
  #latest: Point | undefined
  #sending = false

  constructor(
    private readonly shared: Shared,
    private readonly state: DemoState,
  ) {}

  push(position: Point): void {
    this.#latest = position
    if (!this.#sending) void this.#flush()
  }

  async #flush(): Promise<void> {
    this.#sending = true
    try {
      for (let p = this.#latest; p !== undefined; p = this.#latest) {
        this.#latest = undefined
        await this.shared.channel.send({ t: 'pos', x: Math.round(p.x * 10) / 10, y: Math.round(p.y * 10) / 10 })
        this.state.moves.sent++
      }
    } catch {
      this.#latest = undefined // the session closed
    } finally {
      this.#sending = false
    }
  }
}
