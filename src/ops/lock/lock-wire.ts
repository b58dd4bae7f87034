import { peerSent } from '../../base/errors.js'
import { unreachable } from '../../base/unreachable.js'
import { arity, clippedText, count, flag, oneOf, positive, tagged, unknownTag } from '../../core/wire-checks.js'

/** What a lock request asks for: shared (`read`) or exclusive (`write`). A mutex only uses `write`. */
export type NetLockMode = 'read' | 'write'

/** A waiting request as the token carries it to its new home. */
export interface QueuedRequest {
  readonly id: number
  /** The request's stamp on its side's hybrid logical clock (µs); the queue is ordered by (ts, leader first). */
  readonly ts: number
  readonly mode: NetLockMode
}

/**
 * A lock value as it travels: a number, string or boolean as itself, one item of the message (no
 * encoding and decoding of its own on each hand-off); any other value as its own CBOR bytes. An
 * object's bytes are the ones its commit compared, and the receiver keeps them for its own next
 * comparison (see `lock-value.ts`), so a hand-off encodes and decodes it once, not twice.
 */
export type WireValue = number | string | boolean | Uint8Array

/**
 * The NetMutex / NetRwLock wire protocol: everything one side of a lock sends the other. Every
 * message but `hello`, `broken` and `close` carries the sender's hybrid logical `clock` (µs on
 * the shared timeline, see `lock-sequence.ts`). `value` is the lock's value ({@link WireValue}),
 * present only when it changed since the receiver last saw it.
 *
 * Closing: the side that closes sends `close` (or `broken`) and nothing after it; the receiver
 * answers `close` unless it sent one itself, and each side frees the key once it has both sent
 * and received its closing message. So nothing of this instance is on the wire once a side frees
 * the key, and the next use of the key starts clean on both sides.
 */
export type LockMessage =
  /**
   * The first message from each side: its initial value, if it was given one (the leader's wins),
   * and whether it `watch`es the value: then the token holder sends it an `update` for each value
   * it commits.
   */
  | { type: 'hello'; value: WireValue | undefined; watch: boolean }
  /** From the side without the token: request `id` (ids only grow) waits in the holder's queue. */
  | { type: 'request'; id: number; mode: NetLockMode; clock: number }
  /** The sender's waiting request `id` was aborted: drop it from the queue. */
  | { type: 'cancel'; id: number; clock: number }
  /**
   * The token moves to the receiver, for its write request `id`; `queue` lists the sender's own
   * waiting requests, which the new holder now serves. `epoch` is the last fencing epoch issued.
   */
  | { type: 'token'; id: number; epoch: number; version: number; value: WireValue | undefined; clock: number; queue: QueuedRequest[] }
  /** A read lease: the receiver may read (requests up to `upTo` are granted) until it is recalled. */
  | { type: 'lease'; upTo: number; epoch: number; version: number; value: WireValue | undefined; clock: number }
  /** A writer waits at the token holder: give the lease back once the local readers have left. */
  | { type: 'recall'; clock: number }
  /** The lease is back (answers `recall`); the sender holds no read lock any more. */
  | { type: 'return'; clock: number }
  /**
   * To a side that watches the value: the token holder committed `version`. Sent when a write
   * releases with a changed value and no grant to the receiver carries it; never to the holder.
   */
  | { type: 'update'; version: number; value: WireValue; clock: number }
  /** The sender could not send the value (too large for the receiver): it closes the lock, as `close` does. */
  | { type: 'broken'; reason: string }
  /** The sender closed the lock (or answers the peer's `close` or `broken`) and sends nothing more for it. */
  | { type: 'close' }

/** The messages of the given types. */
export type LockMessageOf<K extends LockMessage['type']> = Extract<LockMessage, { type: K }>

/** On the wire each message is `[tag, ...its fields in the order of the union above]`; `value` is `null` when absent, `queue` flat. */
const TAG = { hello: 0, request: 1, cancel: 2, token: 3, lease: 4, recall: 5, return: 6, broken: 7, close: 8, update: 9 } as const
const MODES: readonly NetLockMode[] = ['read', 'write']
const MAX_REASON = 500

/** The compact array form of a message, as it goes on the wire. */
export function encodeLockMessage(m: LockMessage): unknown[] {
  switch (m.type) {
    case 'hello':
      return [TAG.hello, m.value ?? null, m.watch]
    case 'request':
      return [TAG.request, m.id, m.mode, m.clock]
    case 'cancel':
      return [TAG.cancel, m.id, m.clock]
    case 'token':
      return [TAG.token, m.id, m.epoch, m.version, m.value ?? null, m.clock, flatQueue(m.queue)]
    case 'lease':
      return [TAG.lease, m.upTo, m.epoch, m.version, m.value ?? null, m.clock]
    case 'recall':
      return [TAG.recall, m.clock]
    case 'return':
      return [TAG.return, m.clock]
    case 'update':
      return [TAG.update, m.version, m.value, m.clock]
    case 'broken':
      return [TAG.broken, m.reason]
    case 'close':
      return [TAG.close]
    default:
      return unreachable(m)
  }
}

/**
 * Validates one message from the peer; throws NetError `protocol` for anything else. With
 * `exclusiveOnly` (a mutex) a read request or a read lease is refused too.
 */
export function parseLockMessage(raw: unknown, exclusiveOnly: boolean): LockMessage {
  const f = tagged(raw, 'lock')
  switch (f[0]) {
    case TAG.hello:
      arity(f, 3, 'lock hello')
      return { type: 'hello', value: optionalValue(f[1], 'lock hello'), watch: flag(f[2], 'lock hello') }
    case TAG.request:
      arity(f, 4, 'lock request')
      return { type: 'request', id: positive(f[1], 'lock request'), mode: lockMode(f[2], exclusiveOnly), clock: count(f[3], 'lock request') }
    case TAG.cancel:
      arity(f, 3, 'lock cancel')
      return { type: 'cancel', id: positive(f[1], 'lock cancel'), clock: count(f[2], 'lock cancel') }
    case TAG.token:
      return parseToken(f, exclusiveOnly)
    case TAG.lease:
      return parseLease(f, exclusiveOnly)
    case TAG.recall:
    case TAG.return: {
      const type = f[0] === TAG.recall ? 'recall' : 'return'
      arity(f, 2, `lock ${type}`)
      if (exclusiveOnly) throw peerSent(`a lease ${type} for a mutex`)
      return { type, clock: count(f[1], `lock ${type}`) }
    }
    case TAG.update:
      return parseUpdate(f)
    case TAG.broken:
      arity(f, 2, 'lock broken')
      return { type: 'broken', reason: clippedText(f[1], 'lock broken', MAX_REASON) }
    case TAG.close:
      arity(f, 1, 'lock close')
      return { type: 'close' }
    default:
      throw unknownTag(f, 'lock')
  }
}

/**
 * The largest fencing epoch a peer may hand over (2^52). Epochs are plain numbers, and each grant
 * adds one: past 2^53 they would stop growing. A peer starting from 2^52 leaves this side 2^52 more
 * grants (over 140 years at a million grants a second) before that, so an epoch never saturates
 * within a session, and no honest peer comes near the bound.
 */
export const MAX_PEER_EPOCH = 2 ** 52

function fencingEpoch(value: unknown, what: string): number {
  const epoch = count(value, what)
  if (epoch > MAX_PEER_EPOCH) throw peerSent(`a ${what} with fencing epoch ${epoch}, beyond ${MAX_PEER_EPOCH}`)
  return epoch
}

function parseToken(f: unknown[], exclusiveOnly: boolean): LockMessageOf<'token'> {
  arity(f, 7, 'lock token')
  const clock = count(f[5], 'lock token')
  return {
    type: 'token',
    id: positive(f[1], 'lock token'),
    epoch: fencingEpoch(f[2], 'lock token'),
    version: count(f[3], 'lock token'),
    value: optionalValue(f[4], 'lock token'),
    clock,
    queue: parseQueue(f[6], clock, exclusiveOnly),
  }
}

function parseLease(f: unknown[], exclusiveOnly: boolean): LockMessageOf<'lease'> {
  arity(f, 6, 'lock lease')
  if (exclusiveOnly) throw peerSent('a read lease for a mutex')
  return {
    type: 'lease',
    upTo: positive(f[1], 'lock lease'),
    epoch: fencingEpoch(f[2], 'lock lease'),
    version: count(f[3], 'lock lease'),
    value: optionalValue(f[4], 'lock lease'),
    clock: count(f[5], 'lock lease'),
  }
}

function parseUpdate(f: unknown[]): LockMessageOf<'update'> {
  arity(f, 4, 'lock update')
  const value = optionalValue(f[2], 'lock update')
  if (value === undefined) throw peerSent('a lock update without its value')
  return { type: 'update', version: positive(f[1], 'lock update'), value, clock: count(f[3], 'lock update') }
}

/** A {@link WireValue}, or undefined for `null`. */
function optionalValue(value: unknown, what: string): WireValue | undefined {
  if (value === null) return undefined
  const type = typeof value
  if (type === 'number' || type === 'string' || type === 'boolean' || value instanceof Uint8Array) return value as WireValue
  throw peerSent(`a ${what} whose value is neither bytes nor a number, string or boolean`)
}

function flatQueue(queue: readonly QueuedRequest[]): unknown[] {
  const flat: unknown[] = []
  for (const r of queue) flat.push(r.id, r.ts, r.mode)
  return flat
}

/** The token's queue: flat [id, ts, mode]* with ids and timestamps strictly increasing, none after `clock`. */
function parseQueue(raw: unknown, clock: number, exclusiveOnly: boolean): QueuedRequest[] {
  if (!Array.isArray(raw) || raw.length % 3 !== 0) throw peerSent('a token with a malformed queue')
  const out: QueuedRequest[] = []
  for (let i = 0; i < raw.length; i += 3) {
    const id = positive(raw[i], 'lock token queue')
    const ts = count(raw[i + 1], 'lock token queue')
    const prev = out[out.length - 1]
    if (ts > clock || (prev !== undefined && (id <= prev.id || ts <= prev.ts))) throw peerSent('a token with a disordered queue')
    out.push({ id, ts, mode: lockMode(raw[i + 2], exclusiveOnly) })
  }
  return out
}

function lockMode(raw: unknown, exclusiveOnly: boolean): NetLockMode {
  const mode = oneOf(raw, MODES, 'lock mode')
  if (exclusiveOnly && mode === 'read') throw peerSent('a read request for a mutex')
  return mode
}
