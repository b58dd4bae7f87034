import { NetError, peerSent } from '../../base/errors.js'
import type { MemoryBudget } from '../../base/memory-budget.js'
import type { PortRouter } from '../port-router.js'
import { encodeSessionFrame } from '../wire.js'
import { childPath, scopeOf, showPath } from './scope-path.js'
import { ScopeState, type ScopeEnd, type ScopeOwner } from './scope-state.js'

/** What scopes need from their session. */
export interface ScopeSession {
  readonly closedReason: NetError | undefined
  readonly clock: { readonly rttMs: number; readonly recentDelayMs: number }
}

/** Sends a frame an operation depends on (sequenced) in `lane`, counted by {@link ScopeRegistry.track}. */
export type SendInLane = (lane: string, wire: unknown[]) => Promise<void>

/**
 * Scopes the peer ended before this side opened them, remembered until it does: at most this
 * many at once (a peer past it closes the session with `protocol`), each charged to the memory
 * budget.
 */
export const MAX_UNOPENED_ENDED_SCOPES = 1024

/** What remembering a scope the peer ended costs, beyond its path. */
const ENDED_SCOPE_COST = 256

/** The session's scopes in use, by path (docs/scopes-design.md). */
export class ScopeRegistry implements ScopeOwner {
  readonly #scopes = new Map<string, ScopeState>()
  #unopened = 0

  readonly #memory: MemoryBudget

  constructor(
    readonly session: ScopeSession,
    private readonly send: SendInLane,
    readonly router: PortRouter,
  ) {
    this.#memory = router.memory
  }

  /** Scopes in use (opened here and not yet over on both sides, or ended by the peer and not opened here). */
  get size(): number {
    return this.#scopes.size
  }

  /** Opens child `name` of `parent` (undefined: of the session). Throws NetError `usage` for a bad or busy name. */
  open(parent: ScopeState | undefined, name: unknown, where: string, signal: AbortSignal | undefined): ScopeState {
    const path = childPath(where, parent?.path, name)
    const closed = this.session.closedReason ?? parent?.ended
    if (closed !== undefined) throw closed
    let state = this.#scopes.get(path)
    if (state?.local === true) {
      throw new NetError('usage', `${where}: scope "${showPath(path)}" is in use here; its name is free again once its close() or reset() resolved`)
    }
    if (state !== undefined) {
      this.#unopened--
      this.#memory.release(ENDED_SCOPE_COST + 2 * path.length)
      this.#link(state, parent)
      state.adopt()
      return state
    }
    state = new ScopeState(this, path, parent, true)
    this.#scopes.set(path, state)
    this.#link(state, parent)
    state.watch(signal)
    return state
  }

  /** The peer's end of the scope at `path`. Throws NetError `protocol` past the bounds. */
  onPeerEnd(path: string, how: ScopeEnd, reason: string): void {
    let state = this.#scopes.get(path)
    if (state === undefined) {
      if (this.#unopened >= MAX_UNOPENED_ENDED_SCOPES) {
        throw peerSent(`ends of more than ${MAX_UNOPENED_ENDED_SCOPES} scopes never opened here`)
      }
      this.#memory.charge(ENDED_SCOPE_COST + 2 * path.length, 'scopes the peer ended before they were opened here')
      this.#unopened++
      state = new ScopeState(this, path, undefined, false)
      this.#scopes.set(path, state)
    }
    state.onPeerEnd(how, reason)
  }

  /**
   * Sends this side's end of the scope at `path`, in its own lane. Its parent counts it as one of
   * its frames, so a parent's end follows its children's.
   */
  sendEnd(path: string, how: ScopeEnd, reason: string): Promise<void> {
    return this.send(path, encodeSessionFrame({ type: 'scopeEnd', path, how, reason }))
  }

  /** Counts the send of a frame with routing key `key` until it is on the wire; returns `sent`. */
  track(key: string, sent: Promise<void>): Promise<void> {
    const path = scopeOf(key)
    const state = path === undefined ? undefined : this.#scopes.get(path)
    if (state === undefined || !state.local) return sent
    state.pendingSends++
    const done = (): void => state.sent()
    sent.then(done, done)
    return sent
  }

  /** Called by a scope once it is over on both sides: its name is free again. */
  forget(state: ScopeState): void {
    if (this.#scopes.get(state.path) === state) this.#scopes.delete(state.path)
    state.parent?.children.delete(state)
    this.router.dropScope(state.path)
  }

  /** The session closed: every scope is over. */
  closeAll(reason: NetError): void {
    const states = [...this.#scopes.values()]
    this.#scopes.clear()
    for (const state of states) state.sessionClosed(reason)
  }

  #link(state: ScopeState, parent: ScopeState | undefined): void {
    if (parent === undefined) return
    state.parent = parent
    parent.children.add(state)
  }
}
