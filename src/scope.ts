import type { NetError } from './base/errors.js'
import { checkOptionsObject, checkSignal, describeValue, usageError } from './base/arguments.js'
import { noop } from './base/noop.js'
import type { ScopeRegistry } from './core/scope/scope-registry.js'
import type { ScopeState } from './core/scope/scope-state.js'
import { SCOPE_SEPARATOR } from './core/scope/scope-path.js'
import { bindKeySpace, KeySpace } from './key-space.js'

/** Options for `session.scope` and `scope.scope`. */
export interface ScopeOptions {
  /**
   * Resets the scope when it aborts, as `reset(reason)` with the signal's reason (its message, if
   * it is an Error).
   * @default undefined
   * @example `session.scope('round/3', { signal: AbortSignal.timeout(60_000) })`
   */
  signal?: AbortSignal
}

/** Longest reset reason sent to the peer, in characters (the rest is cut). */
const MAX_RESET_REASON = 500

/** Opens a scope; `session.scope` and `scope.scope` call this. Not public. */
export let openScope: (registry: ScopeRegistry, parent: ScopeState | undefined, name: string, options: ScopeOptions, where: string) => Scope

/**
 * A key space of its own inside a session, with every primitive ({@link KeySpace}) and scopes of
 * its own, nestable 32 deep: the same key in two scopes never pairs, and each scope counts its
 * own default keys (`join#1`, …), so one skipped call misaligns nothing outside it. Opening one
 * costs no message (the first frame of an operation in it names it), and it ends as a unit, on
 * both peers: {@link Scope.close} (FIN) or {@link Scope.reset}. Its name is free again once it
 * ended on both sides (`closed` resolved). See docs/scopes-design.md.
 * @example
 * ```ts
 * await using round = session.scope(`round/${n}`)
 * const { won } = await round.select(race)   // pairs with the peer's first select in round/n
 * ```
 */
export class Scope extends KeySpace implements AsyncDisposable {
  readonly #registry: ScopeRegistry
  readonly #state: ScopeState

  static {
    openScope = (registry, parent, name, options, where) => {
      checkSignal(where, checkOptionsObject(where, options).signal, 'options.signal')
      return new Scope(registry, registry.open(parent, name, where, options.signal))
    }
  }

  private constructor(registry: ScopeRegistry, state: ScopeState) {
    super()
    this.#registry = registry
    this.#state = state
    bindKeySpace(this, state, 'scope')
  }

  /** The scope's name, as given to `scope(name)`. */
  get name(): string {
    return this.path.at(-1)!
  }

  /** The names from the session down to this scope. */
  get path(): readonly string[] {
    return this.#state.path.split(SCOPE_SEPARATOR)
  }

  /**
   * True once the scope refuses new calls: closed or reset on either side, or the session closed.
   * A call in it then rejects (a channel or lock throws) with the reason `closed` resolves with.
   */
  get isClosed(): boolean {
    return this.#state.ended !== undefined || this.#state.closedReason !== undefined
  }

  /**
   * Resolves once the scope is over on both sides (its name is free again), with why: NetError
   * `closed` (closed here or by the peer), `aborted` (reset, with the reason) or the session's
   * close reason. Never rejects.
   */
  get closed(): Promise<NetError> {
    return this.#state.done
  }

  /**
   * Opens the child scope `name` (1 to 128 characters, no U+0000). Throws NetError `usage` for a
   * bad name, a name in use here, or nesting past 32 levels (or a path of 512 characters), and
   * this scope's end reason once it ended.
   */
  scope(name: string, options: ScopeOptions = {}): Scope {
    return openScope(this.#registry, this.#state, name, options, 'scope.scope')
  }

  /**
   * Ends the scope gracefully (FIN): new calls in it reject with NetError `closed` at once; its
   * channels and locks (and child scopes) close; once this side's running one-shot calls have
   * settled, the peer is told this side is done, after its last frame in the scope. On the peer,
   * calls this side never made reject with `closed` (it answers with its own FIN). Resolves once
   * both sides are done. A call waiting forever for a peer that never makes it keeps it waiting:
   * use {@link Scope.reset} (or the scope's `signal`) to end a scope whatever is pending.
   */
  close(): Promise<void> {
    return this.#state.close().then(noop)
  }

  /**
   * Ends the scope at once on both sides: every pending call in it (and in its child scopes)
   * rejects with NetError `aborted` carrying `reason`, here now and on the peer when its `reset`
   * arrives, through each call's own abort path, so both sides still agree on every one-shot
   * call's outcome (a call whose result was already decided keeps it). Channels and locks in it
   * close with the same error. It also cuts short a `close()` still waiting for running calls.
   * Resolves once both sides are done. Rejects with NetError `usage` for a `reason` that is not a
   * string.
   * @example `round.reset('the player left')`
   */
  reset(reason = 'reset'): Promise<void> {
    if (typeof reason !== 'string') return Promise.reject(usageError('scope.reset', `reason must be a string, got ${describeValue(reason)}`))
    return this.#state.reset(reason.slice(0, MAX_RESET_REASON)).then(noop)
  }

  /** {@link Scope.close}, for `await using scope = session.scope(name)`. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close()
  }
}
