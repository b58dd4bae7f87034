import { NetError, peerSent } from '../../base/errors.js'
import { unreachable } from '../../base/unreachable.js'
import { callMisuse } from '../../core/op-arguments.js'
import type { OpHost, OpOptions } from '../../core/op-host.js'
import { OneShot } from './one-shot.js'
import { encodeSelectMessage, parseSelectMessage, type SelectMessage } from './select-wire.js'
import { describeError, remoteError, runTask, type ErrorText, type NetTask, type Outcome, type TaskOwner } from './join.js'

/** What `select` / `trySelect` resolve with on each side. */
export type SelectResult<T> = { won: true; value: T } | { won: false }

type Done = Extract<SelectMessage, { type: 'done' }>

/**
 * Runs `select` (kind 'select') or `trySelect` (kind 'trySelect').
 *
 * Each side sends exactly one message, so a select costs 2 messages:
 * - the peer's `done` arrives while the local function runs: if it counts as a finish (any
 *   `done` for select, a successful one for trySelect) this side lost, aborts its function and
 *   answers `yield`; a failed `done` in trySelect is kept until the local function settles;
 * - both `done` cross: both sides pick the same winner with {@link localWins};
 * - `yield` tells a side whose `done` went out that it won;
 * - an abort after `done` went out follows {@link OneShot}'s cancel rule: the answer (`yield`,
 *   the peer's `done`, its `abort`, or its session's `cancelled`) decides for both.
 *
 * select is a race of settlements: if the winner's function threw, the winner rejects with its
 * error and the loser with NetError `remote`. In trySelect only a success wins; if both fail,
 * both reject with one NetError `remote` naming both errors.
 */
export function runSelect<T>(host: OpHost, kind: 'select' | 'trySelect', fn: NetTask<T>, options: OpOptions): Promise<SelectResult<T>> {
  const op = new SelectOp<T>(kind, options.key ?? host.nextKey(kind))
  const misuse = callMisuse(op.what, fn, options.signal)
  if (op.open(host, misuse === undefined ? options.signal : undefined) && !op.sent) {
    if (misuse === undefined) runTask(fn, op, op)
    else op.refuse(misuse)
  }
  return op.result
}

const ABORT: SelectMessage = { type: 'abort' }
const YIELD: SelectMessage = { type: 'yield' }

/** This side's finish: how its function settled and when, on the shared timeline. */
type Finish<T> = Outcome<T> & { at: number; text?: ErrorText }

class SelectOp<T> extends OneShot<SelectMessage, SelectResult<T>> implements TaskOwner<T> {
  #mine: Finish<T> | undefined
  #peerFailure: Done | undefined

  constructor(kind: 'select' | 'trySelect', key: string) {
    super(kind, key, ABORT)
  }

  get #onlySuccess(): boolean {
    return this.kind === 'trySelect'
  }

  parse(raw: unknown): SelectMessage {
    return parseSelectMessage(raw)
  }

  encode(message: SelectMessage): unknown[] {
    return encodeSelectMessage(message)
  }

  taskSettled(outcome: Outcome<T>): void {
    if (this.sent) return // lost, aborted or closed: the result is not wanted
    const at = this.now()
    let mine: Finish<T>
    if (outcome.ok) {
      mine = { ok: true, value: outcome.value, at }
      this.#mine = mine
      this.send({ type: 'done', ok: true, at })
    } else {
      const text = describeError(outcome.error)
      mine = { ok: false, error: outcome.error, at, text }
      this.#mine = mine
      this.send({ type: 'done', ok: false, at, ...text })
    }
    if (this.#peerFailure !== undefined) this.#decide(mine, this.#peerFailure)
  }

  protected onPeer(message: SelectMessage): void {
    const mine = this.#mine
    switch (message.type) {
      case 'done':
        if (mine !== undefined) return this.#decide(mine, message) // the two `done` crossed
        if (this.sent) return // we aborted and already settled; this was the last message
        if (!message.ok && this.#onlySuccess) {
          this.#peerFailure = message // a failure does not win: let our function finish
          return
        }
        this.send(YIELD)
        return this.#lose(message)
      case 'yield':
        // Only a side whose `done` counts as a finish is ever yielded to.
        if (mine === undefined || (this.#onlySuccess && !mine.ok)) throw peerSent(`a yield out of turn in ${this.what}`)
        if (mine.ok) return this.resolve({ won: true, value: mine.value })
        return this.reject(mine.error)
      case 'abort':
        if (!this.sent) {
          this.send(ABORT)
          this.abortWork(this.peerAborted())
        }
        return this.reject(this.peerAborted())
      default:
        return unreachable(message)
    }
  }

  #lose(peer: Done): void {
    this.abortWork(new NetError('aborted', `${this.what}: the peer finished first`))
    if (peer.ok) this.resolve({ won: false })
    else this.reject(remoteError(this.what, peer))
  }

  #decide(local: Finish<T>, peer: Done): void {
    if (this.#onlySuccess && !local.ok && !peer.ok) return this.reject(bothFailed(this.what, local.text!, peer, local.error))
    const wins = this.#onlySuccess && local.ok !== peer.ok ? local.ok : localWins(local.at, peer.at, this.isLeader)
    if (!wins) return this.#lose(peer)
    if (local.ok) this.resolve({ won: true, value: local.value })
    else this.reject(local.error)
  }
}

/**
 * Whether this side's finish wins when both `done` crossed: the earlier instant on the shared
 * timeline; an exact tie goes to the leader. Both sides evaluate the mirror image, so they agree.
 */
export function localWins(localAt: number, peerAt: number, isLeader: boolean): boolean {
  return isLeader ? localAt <= peerAt : localAt < peerAt
}

function bothFailed(what: string, local: ErrorText, peer: ErrorText, cause: unknown): NetError {
  return new NetError(
    'remote',
    `${what}: both sides failed; here: ${local.name}: ${local.message}; peer: ${peer.name}: ${peer.message}`,
    { cause, remoteName: peer.name, remoteMessage: peer.message },
  )
}
