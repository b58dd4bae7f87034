import { runExchange } from './ops/one-shot/exchange.js'
import { runJoin, type NetTask } from './ops/one-shot/join.js'
import { createNetMutex, type NetMutex, type NetMutexOptions } from './ops/lock/mutex.js'
import { createNetRwLock, type NetRwLock, type NetRwLockOptions } from './ops/lock/rwlock.js'
import { runSelect, type SelectResult } from './ops/one-shot/select.js'
import { openTypedChannel, type TypedChannel, type TypedChannelOptions } from './ops/channel/typed-channel.js'
import { runSyncStart, type SyncStartHost, type SyncStartInfo, type SyncStartOptions } from './ops/sync-start/sync-start.js'
import { RpcServices, type Rpc, type RpcAnyApi } from './ops/rpc/rpc.js'
import { rejectMisuse } from './base/arguments.js'
import { checkOpOptions } from './core/op-arguments.js'
import type { OpOptions } from './core/op-host.js'
import { inScope } from './core/scope/scope-signal.js'

/**
 * What a key space runs its operations on: the session's root key space, or a scope's, whose
 * `signal` aborts when the scope is reset. Not public.
 */
export type KeySpaceHost = SyncStartHost & { readonly signal?: AbortSignal }

/** Gives `space` the host its operations run on; called once by each subclass's constructor. Not public. */
export let bindKeySpace: (space: KeySpace, host: KeySpaceHost, where: string) => void

/**
 * Every primitive, in one key space: a {@link Session} (the root key space) and each scope share
 * these methods, written once against the key space's host. Operations in different key spaces
 * never pair with each other, and each key space counts its own default keys (`join#1`, …).
 *
 * Bad arguments are NetError `usage`, naming the argument: `channel`, `mutex` and `rwlock` throw it;
 * the other methods reject with it. A one-shot operation refused for its function, signal or
 * `delayMs` tells the peer (whose call rejects with `aborted`); one refused for its key or options
 * sends nothing and takes no default key.
 */
export abstract class KeySpace {
  #host!: KeySpaceHost
  /** The rpc services of this key space; made with the host, since the peer may call first. */
  #rpc!: RpcServices
  /** How argument errors name this key space's methods: `session` or `scope`. */
  #where = 'session'

  static {
    bindKeySpace = (space, host, where) => {
      space.#host = host
      space.#where = where
      space.#rpc = new RpcServices(host, `${where}.rpc`)
    }
  }

  /**
   * Runs `fn` here while the peer runs its own; resolves with this side's result once both have
   * settled. A local throw rejects here (after the peer has been told); the peer still resolves.
   * Costs 2 messages. Both sides always agree on whether the join completed, even under abort
   * ({@link OpOptions.signal}).
   * @example `const mine = await session.join(async () => loadLevel())`
   */
  join<T>(fn: NetTask<T>, options: OpOptions = {}): Promise<T> {
    return rejectMisuse(() => checkOpOptions(`${this.#where}.join`, options)) ?? inScope(this.#host.signal, options, (o) => runJoin(this.#host, 'join', fn, o))
  }

  /**
   * Like {@link KeySpace.join}, but fails on both sides if either side fails: the failing side
   * rejects with its own error, the other with NetError `remote`, and the side still running has
   * its signal aborted at once. Both sides always end both fulfilled or both rejected.
   */
  tryJoin<T>(fn: NetTask<T>, options: OpOptions = {}): Promise<T> {
    return rejectMisuse(() => checkOpOptions(`${this.#where}.tryJoin`, options)) ?? inScope(this.#host.signal, options, (o) => runJoin(this.#host, 'tryJoin', fn, o))
  }

  /**
   * Races `fn` against the peer's: the side that finishes first (on the shared clock) resolves
   * `{ won: true, value }`, the other `{ won: false }` and its signal aborts. Exact ties go to the
   * leader. If the first to finish threw, it rejects with its own error and the other side with
   * NetError `remote`. Costs 2 messages; the winner knows after about one one-way delay when
   * both finish together, one round trip otherwise. Both sides always agree on the winner; an
   * abort after `fn` settled may still end in a result ({@link OpOptions.signal}).
   */
  select<T>(fn: NetTask<T>, options: OpOptions = {}): Promise<SelectResult<T>> {
    return rejectMisuse(() => checkOpOptions(`${this.#where}.select`, options)) ?? inScope(this.#host.signal, options, (o) => runSelect(this.#host, 'select', fn, o))
  }

  /**
   * Like {@link KeySpace.select}, but only a success can win; if both sides fail, both reject with
   * one NetError `remote` that carries both causes.
   */
  trySelect<T>(fn: NetTask<T>, options: OpOptions = {}): Promise<SelectResult<T>> {
    return rejectMisuse(() => checkOpOptions(`${this.#where}.trySelect`, options)) ?? inScope(this.#host.signal, options, (o) => runSelect(this.#host, 'trySelect', fn, o))
  }

  /**
   * Sends `value` to the peer and resolves with the value the peer sent. An unencodable value
   * rejects with NetError `usage` and the peer's call with NetError `aborted`. The value goes out
   * at once, so an abort (unless the signal was aborted before the call) settles on the peer's
   * answer ({@link OpOptions.signal}): both resolve if the peer's value was already on its way,
   * otherwise both reject with `aborted` and the peer never receives this value.
   */
  exchange<Theirs = unknown, Mine = Theirs>(value: Mine, options: OpOptions = {}): Promise<Theirs> {
    return rejectMisuse(() => checkOpOptions(`${this.#where}.exchange`, options)) ?? inScope(this.#host.signal, options, (o) => runExchange<Theirs>(this.#host, value, o))
  }

  /**
   * Opens the ordered, typed, bi-directional channel named `key`. Throws NetError `usage` for a bad
   * key or option, or a key already in use.
   */
  channel<T>(key: string, options: TypedChannelOptions = {}): TypedChannel<T> {
    return openTypedChannel<T>(this.#host, key, options)
  }

  /**
   * The value named `key`, shared with the peer behind a mutual exclusion lock. It holds the key
   * until `close()` (on either side) or the session's end. Throws NetError `usage` for a bad key
   * or options, or a key still in use here.
   */
  mutex<T>(key: string, options: NetMutexOptions<T> = {}): NetMutex<T> {
    return createNetMutex<T>(this.#host, key, options)
  }

  /**
   * The value named `key`, shared with the peer behind one-writer-or-many-readers. It holds the
   * key until `close()` (on either side) or the session's end. Throws NetError `usage` for a bad
   * key or options, or a key still in use here.
   */
  rwlock<T>(key: string, options: NetRwLockOptions<T> = {}): NetRwLock<T> {
    return createNetRwLock<T>(this.#host, key, options)
  }

  /**
   * The request/response service `name` in this key space ({@link Rpc}; the same one on every call): serve it with
   * `handle`, call the peer's with `call.add(1, 2, { signal })` or `stream.count(9)`. Throws NetError `usage` for a
   * bad name, or the close reason for a service first asked for after the session closed.
   * @example `const math = session.rpc<MathApi>('math'); const sum = await math.call.add(1, 2)`
   */
  rpc<Api extends object = RpcAnyApi>(name: string): Rpc<Api> {
    return this.#rpc.get<Api>(name)
  }

  /**
   * Runs `fn` on both peers at the same instant: the leader picks a start time on the shared clock
   * (at least `delayMs` ahead), each side waits for it (timer, then a short spin) and calls
   * `fn({ peerPayload, at, lateByMs })`. Resolves with `fn`'s result once the peer confirmed its
   * start too, so both agree on whether the start happened. Rejects with NetError `late` on both
   * sides when the instant had passed (by > 1 ms) before a side heard of it (the other side's `fn`
   * ran), `aborted` on abort (here or on the peer; after this side started it settles on the
   * peer's answer, {@link OpOptions.signal}), or the close reason if the session closes first.
   * @example `await session.syncStart(({ lateByMs }) => startRound(lateByMs), { delayMs: 100 })`
   */
  syncStart<R, P = unknown>(fn: (info: SyncStartInfo<P>) => R | PromiseLike<R>, options: SyncStartOptions = {}): Promise<R> {
    return rejectMisuse(() => checkOpOptions(`${this.#where}.syncStart`, options)) ?? inScope(this.#host.signal, options, (o) => runSyncStart<P, R>(this.#host, fn, o))
  }
}
