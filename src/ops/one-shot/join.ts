import { NetError } from '../../base/errors.js'
import { mayReadArgument } from './reads-argument.js'
import { unreachable } from '../../base/unreachable.js'
import { callMisuse } from '../../core/op-arguments.js'
import type { OpHost, OpOptions } from '../../core/op-host.js'
import { describeError, type ErrorText } from '../../core/error-text.js'
import { encodeJoinMessage, parseJoinMessage, type JoinMessage } from './join-wire.js'
import { OneShot } from './one-shot.js'

export { describeError, type ErrorText } from '../../core/error-text.js'

/** The work one side contributes to a join or select; it receives a signal that aborts when its result is no longer wanted. */
export type NetTask<T> = (signal: AbortSignal) => T | PromiseLike<T>

/** How a local function settled. */
export type Outcome<T> = { ok: true; value: T } | { ok: false; error: unknown }

/**
 * Runs `join` (kind 'join') or `tryJoin` (kind 'tryJoin').
 *
 * Both sides send one `done` when their function settles. join waits for both and settles with
 * this side's own outcome. tryJoin fails fast: a local failure rejects at once (after `done` went
 * out); a peer failure that arrives while the function runs aborts it, answers `abort` and
 * rejects with NetError `remote`. A peer `abort` rejects with NetError `aborted`. An abort after
 * `done` went out follows {@link OneShot}'s cancel rule.
 */
export function runJoin<T>(host: OpHost, kind: 'join' | 'tryJoin', fn: NetTask<T>, options: OpOptions): Promise<T> {
  const op = new JoinOp<T>(kind, options.key ?? host.nextKey(kind))
  const misuse = callMisuse(op.what, fn, options.signal)
  if (op.open(host, misuse === undefined ? options.signal : undefined) && !op.sent) {
    if (misuse === undefined) runTask(fn, op, op)
    else op.refuse(misuse)
  }
  return op.result
}

const ABORT: JoinMessage = { type: 'abort' }
const DONE_OK: JoinMessage = { type: 'done', ok: true }

class JoinOp<T> extends OneShot<JoinMessage, T> implements TaskOwner<T> {
  #mine: Outcome<T> | undefined
  #theirs: JoinMessage | undefined

  constructor(kind: 'join' | 'tryJoin', key: string) {
    super(kind, key, ABORT)
  }

  get #failFast(): boolean {
    return this.kind === 'tryJoin'
  }

  parse(raw: unknown): JoinMessage {
    return parseJoinMessage(raw)
  }

  encode(message: JoinMessage): unknown[] {
    return encodeJoinMessage(message)
  }

  taskSettled(outcome: Outcome<T>): void {
    if (this.sent) return // aborted, or the peer failed first: the result is not wanted
    this.#mine = outcome
    this.send(outcome.ok ? DONE_OK : { type: 'done', ok: false, ...describeError(outcome.error) })
    if (this.#theirs !== undefined) this.#settle(outcome, this.#theirs)
    else if (this.#failFast && !outcome.ok) this.reject(outcome.error)
  }

  protected onPeer(message: JoinMessage): void {
    this.#theirs = message
    if (this.#mine !== undefined) return this.#settle(this.#mine, message)
    if (this.sent) return // we aborted and already settled; this was the last message
    switch (message.type) {
      case 'done':
        if (message.ok || !this.#failFast) return // wait for our own function
        this.send(ABORT)
        this.abortWork(new NetError('remote', `${this.what}: the peer failed`))
        return this.reject(remoteError(this.what, message))
      case 'abort':
        this.send(ABORT)
        this.abortWork(this.peerAborted())
        return this.reject(this.peerAborted())
      default:
        return unreachable(message)
    }
  }

  #settle(local: Outcome<T>, peer: JoinMessage): void {
    if (peer.type === 'abort') return this.reject(this.peerAborted())
    if (!local.ok) return this.reject(local.error)
    if (this.#failFast && !peer.ok) return this.reject(remoteError(this.what, peer))
    this.resolve(local.value)
  }
}

/** Where {@link runTask} reports: the operation that runs the task. */
export interface TaskOwner<T> {
  taskSettled(outcome: Outcome<T>): void
}

/**
 * Calls `fn` with the operation's work signal and reports how it settled; a synchronous throw
 * counts as a rejection. A plain (non-thenable) result is reported at once, so the operation's
 * message goes out within the call. The signal is made only if `fn` can see it.
 */
export function runTask<T>(fn: NetTask<T>, op: { workSignal(): AbortSignal }, owner: TaskOwner<T>): void {
  let pending: T | PromiseLike<T>
  try {
    pending = mayReadArgument(fn) ? fn(op.workSignal()) : (fn as () => T | PromiseLike<T>)()
  } catch (error) {
    return owner.taskSettled({ ok: false, error })
  }
  if (pending === null || (typeof pending !== 'object' && typeof pending !== 'function')) {
    return owner.taskSettled({ ok: true, value: pending as T })
  }
  // Anything else might be a thenable (even through a getter): Promise.resolve reads `then` once.
  Promise.resolve(pending).then(
    (value) => owner.taskSettled({ ok: true, value }),
    (error: unknown) => owner.taskSettled({ ok: false, error }),
  )
}

/** NetError `remote` for a peer's failure. */
export function remoteError(what: string, peer: ErrorText): NetError {
  return new NetError('remote', `${what}: the peer's function failed: ${peer.name}: ${peer.message}`, {
    remoteName: peer.name,
    remoteMessage: peer.message,
  })
}
