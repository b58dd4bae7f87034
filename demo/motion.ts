// Moves this side's player from the held keys on a fixed timer (not requestAnimationFrame, which
// stops in a background tab) and streams the position to the peer.
import type { Input } from './input.js'
import { moveWithin } from './layout.js'
import type { PositionStream } from './shared.js'
import type { DemoState } from './state.js'

const TICK_MS = 1000 / 60
/** A late tick (a busy or throttled page) moves at most this much time's worth. */
const MAX_STEP_MS = 50

export class Motion {
  /** Called after every move of this side's player. */
  readonly listeners = new Set<() => void>()
  #stream: PositionStream | undefined
  #last = performance.now()
  #timer: ReturnType<typeof setInterval> | undefined

  constructor(
    private readonly state: DemoState,
    private readonly input: Input,
    /** The shared timeline (ms) of the current session. */
    private readonly sharedNow: () => number,
  ) {}

  start(stream: PositionStream): void {
    this.stop()
    this.#stream = stream
    this.#last = performance.now()
    this.#timer = setInterval(() => this.#tick(), TICK_MS)
  }

  stop(): void {
    clearInterval(this.#timer)
    this.#timer = undefined
    this.#stream = undefined
    this.listeners.clear()
  }

  /** Places this player (e.g. at its spawn) and tells the peer. */
  place(x: number, y: number): void {
    this.state.myPos = { x, y }
    this.#stream?.push(this.state.myPos)
    this.#notify()
  }

  #tick(): void {
    const now = performance.now()
    const dtMs = Math.min(MAX_STEP_MS, now - this.#last)
    this.#last = now
    const { state } = this
    if (state.phase !== 'playing' || this.sharedNow() >= state.endAt) return
    const { dx, dy } = this.input.direction()
    if (dx === 0 && dy === 0) return
    const next = moveWithin(state.myPos, dx, dy, (state.roundSettings.speed * dtMs) / 1000)
    if (next.x === state.myPos.x && next.y === state.myPos.y) return
    state.myPos = next
    this.#stream?.push(next)
    this.#notify()
  }

  #notify(): void {
    for (const listener of this.listeners) listener()
  }
}
