import { NetError } from '../errors.js'
import { unreachable } from '../internal/unreachable.js'
import type { OpHost, OpOptions } from '../session/op-host.js'
import { boundedText, malformed, MAX_TEXT_LENGTH, plainRecord } from './message-checks.js'
import { OneShot } from './one-shot.js'

/** The work one side contributes to a join or select; it receives a signal that aborts when its result is no longer wanted. */
export type NetTask<T> = (signal: AbortSignal) => T | PromiseLike<T>

/**
 * The join / tryJoin wire protocol: each side sends exactly one of these. `done` reports how the
 * local function settled; `abort` means this side gave up (its caller aborted, or — in tryJoin —
 * the peer failed first) and will not report a result.
 */
export type JoinMessage =
  | { type: 'done'; ok: true }
  | { type: 'done'; ok: false; name: string; message: string }
  | { type: 'abort' }

/** Validates a peer's join message; throws NetError `protocol` for anything else. */
export function parseJoinMessage(raw: unknown): JoinMessage {
  const m = plainRecord(raw, 'join')
  const size = Object.keys(m).length
  if (m.type === 'done' && m.ok === true && size === 2) return { type: 'done', ok: true }
  if (m.type === 'done' && m.ok === false && size === 4) {
    return { type: 'done', ok: false, name: boundedText(m.name, 'join'), message: boundedText(m.message, 'join') }
  }
  if (m.type === 'abort' && size === 1) return { type: 'abort' }
  throw malformed('join')
}

/** How a local function settled. */
export type Outcome<T> = { ok: true; value: T } | { ok: false; error: unknown }

/** An error's name and message as they travel to the peer. */
export interface ErrorText {
  name: string
  message: string
}

/**
 * Runs `join` (kind 'join') or `tryJoin` (kind 'tryJoin').
 *
 * Both sides send one `done` when their function settles. join waits for both and settles with
 * this side's own outcome. tryJoin fails fast: a local failure rejects at once (after `done` went
 * out); a peer failure that arrives while the function runs aborts it, answers `abort` and
 * rejects with NetError `remote`. A peer `abort` rejects with NetError `aborted`.
 */
export function runJoin<T>(host: OpHost, kind: 'join' | 'tryJoin', fn: NetTask<T>, options: OpOptions): Promise<T> {
  const key = options.key ?? host.nextKey(kind)
  const op = new OneShot<JoinMessage, T>(`${kind} "${key}"`, { type: 'abort' })
  const failFast = kind === 'tryJoin'
  let mine: Outcome<T> | undefined
  let theirs: JoinMessage | undefined

  const settle = (local: Outcome<T>, peer: JoinMessage): void => {
    if (peer.type === 'abort') return op.reject(op.peerAborted())
    if (!local.ok) return op.reject(local.error)
    if (failFast && !peer.ok) return op.reject(remoteError(op.what, peer))
    op.resolve(local.value)
  }

  const onPeer = (message: JoinMessage): void => {
    theirs = message
    if (mine !== undefined) return settle(mine, message)
    if (op.sent) return // we aborted and already settled; this was the last message
    switch (message.type) {
      case 'done':
        if (message.ok || !failFast) return // wait for our own function
        op.send({ type: 'abort' })
        op.work.abort(new NetError('remote', `${op.what}: the peer failed`))
        return op.reject(remoteError(op.what, message))
      case 'abort':
        op.send({ type: 'abort' })
        op.work.abort(op.peerAborted())
        return op.reject(op.peerAborted())
      default:
        return unreachable(message)
    }
  }

  if (op.open(host, kind, key, parseJoinMessage, onPeer, options.signal) && !op.sent) {
    runTask(fn, op.work.signal, (outcome) => {
      if (op.sent) return // aborted, or the peer failed first: the result is not wanted
      mine = outcome
      op.send(outcome.ok ? { type: 'done', ok: true } : { type: 'done', ok: false, ...describeError(outcome.error) })
      if (theirs !== undefined) settle(outcome, theirs)
      else if (failFast && !outcome.ok) op.reject(outcome.error)
    })
  }
  return op.result.promise
}

/** Calls `fn` and reports how it settled; a synchronous throw counts as a rejection. */
export function runTask<T>(fn: NetTask<T>, signal: AbortSignal, onSettled: (outcome: Outcome<T>) => void): void {
  let pending: T | PromiseLike<T>
  try {
    pending = fn(signal)
  } catch (error) {
    return onSettled({ ok: false, error })
  }
  Promise.resolve(pending).then(
    (value) => onSettled({ ok: true, value }),
    (error: unknown) => onSettled({ ok: false, error }),
  )
}

/** The name and message of anything thrown, clipped to what the peer accepts. */
export function describeError(error: unknown): ErrorText {
  try {
    const named = typeof error === 'object' && error !== null && 'name' in error ? String(error.name) : 'Error'
    const message = error instanceof Error ? error.message : String(error)
    return { name: named.slice(0, MAX_TEXT_LENGTH), message: String(message).slice(0, MAX_TEXT_LENGTH) }
  } catch {
    // A hostile toString must not break the protocol; the peer still learns that we failed.
    return { name: 'Error', message: 'an error that could not be described' }
  }
}

/** NetError `remote` for a peer's failure. */
export function remoteError(what: string, peer: ErrorText): NetError {
  return new NetError('remote', `${what}: the peer's function failed: ${peer.name}: ${peer.message}`, {
    remoteName: peer.name,
    remoteMessage: peer.message,
  })
}
