import { NetError } from '../errors.js'
import { unreachable } from '../internal/unreachable.js'
import type { OpHost, OpOptions } from '../session/op-host.js'
import { boundedText, malformed, plainRecord } from './message-checks.js'
import { OneShot } from './one-shot.js'
import { describeError, remoteError, runTask, type ErrorText, type NetTask, type Outcome } from './join.js'

/** What `select` / `trySelect` resolve with on each side. */
export type SelectResult<T> = { won: true; value: T } | { won: false }

/**
 * The select / trySelect wire protocol: each side sends exactly one of these.
 * - `done`: the local function settled at `at` on the shared timeline (the leader's clock, ms).
 * - `yield`: the peer's `done` arrived while the local function was still running and it counts
 *   as a finish, so this side lost; its function has been aborted.
 * - `abort`: this side gave up (its caller aborted, or it answers the peer's `abort`).
 */
export type SelectMessage =
  | { type: 'done'; ok: true; at: number }
  | { type: 'done'; ok: false; at: number; name: string; message: string }
  | { type: 'yield' }
  | { type: 'abort' }

type Done = Extract<SelectMessage, { type: 'done' }>

/** Validates a peer's select message; throws NetError `protocol` for anything else. */
export function parseSelectMessage(raw: unknown): SelectMessage {
  const m = plainRecord(raw, 'select')
  const size = Object.keys(m).length
  if (m.type === 'done' && typeof m.at === 'number' && Number.isFinite(m.at)) {
    if (m.ok === true && size === 3) return { type: 'done', ok: true, at: m.at }
    if (m.ok === false && size === 5) {
      return { type: 'done', ok: false, at: m.at, name: boundedText(m.name, 'select'), message: boundedText(m.message, 'select') }
    }
  }
  if ((m.type === 'yield' || m.type === 'abort') && size === 1) return { type: m.type }
  throw malformed('select')
}

/**
 * Runs `select` (kind 'select') or `trySelect` (kind 'trySelect').
 *
 * Each side sends exactly one message, so a select costs 2 messages:
 * - the peer's `done` arrives while the local function runs: if it counts as a finish (any
 *   `done` for select, a successful one for trySelect) this side lost, aborts its function and
 *   answers `yield`; a failed `done` in trySelect is kept until the local function settles;
 * - both `done` cross: both sides pick the same winner with {@link localWins};
 * - `yield` tells a side whose `done` went out that it won.
 *
 * select is a race of settlements: if the winner's function threw, the winner rejects with its
 * error and the loser with NetError `remote`. In trySelect only a success wins; if both fail,
 * both reject with one NetError `remote` naming both errors.
 */
export function runSelect<T>(host: OpHost, kind: 'select' | 'trySelect', fn: NetTask<T>, options: OpOptions): Promise<SelectResult<T>> {
  const key = options.key ?? host.nextKey(kind)
  const op = new OneShot<SelectMessage, SelectResult<T>>(`${kind} "${key}"`, { type: 'abort' })
  const onlySuccess = kind === 'trySelect'
  let mine: (Outcome<T> & { at: number; text?: ErrorText }) | undefined
  let peerFailure: Done | undefined

  const lose = (peer: Done): void => {
    op.work.abort(new NetError('aborted', `${op.what}: the peer finished first`))
    if (peer.ok) op.resolve({ won: false })
    else op.reject(remoteError(op.what, peer))
  }

  const decide = (local: NonNullable<typeof mine>, peer: Done): void => {
    if (onlySuccess && !local.ok && !peer.ok) return op.reject(bothFailed(op.what, local.text!, peer, local.error))
    const wins = onlySuccess && local.ok !== peer.ok ? local.ok : localWins(local.at, peer.at, op.isLeader)
    if (!wins) return lose(peer)
    if (local.ok) op.resolve({ won: true, value: local.value })
    else op.reject(local.error)
  }

  const onPeer = (message: SelectMessage): void => {
    switch (message.type) {
      case 'done':
        if (mine !== undefined) return decide(mine, message) // the two `done` crossed
        if (op.sent) return // we aborted and already settled; this was the last message
        if (!message.ok && onlySuccess) {
          peerFailure = message // a failure does not win: let our function finish
          return
        }
        op.send({ type: 'yield' })
        return lose(message)
      case 'yield':
        // Only a side whose `done` counts as a finish is ever yielded to.
        if (mine === undefined || (onlySuccess && !mine.ok)) throw new NetError('protocol', `peer yielded out of turn in ${op.what}`)
        if (mine.ok) return op.resolve({ won: true, value: mine.value })
        return op.reject(mine.error)
      case 'abort':
        if (!op.sent) {
          op.send({ type: 'abort' })
          op.work.abort(op.peerAborted())
        }
        return op.reject(op.peerAborted())
      default:
        return unreachable(message)
    }
  }

  if (op.open(host, kind, key, parseSelectMessage, onPeer, options.signal) && !op.sent) {
    runTask(fn, op.work.signal, (outcome) => {
      if (op.sent) return // lost, aborted or closed: the result is not wanted
      const at = op.now()
      if (outcome.ok) {
        mine = { ...outcome, at }
        op.send({ type: 'done', ok: true, at })
      } else {
        const text = describeError(outcome.error)
        mine = { ...outcome, at, text }
        op.send({ type: 'done', ok: false, at, ...text })
      }
      if (peerFailure !== undefined) decide(mine, peerFailure)
    })
  }
  return op.result.promise
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
