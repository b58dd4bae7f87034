import { NetError } from '../../base/errors.js'
import { unreachable } from '../../base/unreachable.js'

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
 * The NetMutex / NetRwLock wire protocol: everything one side of a lock sends the other. Every
 * message but `hello`, `broken` and `close` carries the sender's hybrid logical `clock` (µs on
 * the shared timeline, see `lock-sequence.ts`). `value` is the lock's value as CBOR bytes,
 * present only when it changed since the receiver last saw it.
 *
 * Closing: the side that closes sends `close` (or `broken`) and nothing after it; the receiver
 * answers `close` unless it sent one itself, and each side frees the key once it has both sent
 * and received its closing message. So nothing of this instance is on the wire once a side frees
 * the key, and the next use of the key starts clean on both sides.
 */
export type LockMessage =
  /** The first message from each side: its initial value, if it was given one (the leader's wins). */
  | { type: 'hello'; value: Uint8Array | undefined }
  /** From the side without the token: request `id` (ids only grow) waits in the holder's queue. */
  | { type: 'request'; id: number; mode: NetLockMode; clock: number }
  /** The sender's waiting request `id` was aborted: drop it from the queue. */
  | { type: 'cancel'; id: number; clock: number }
  /**
   * The token moves to the receiver, for its write request `id`; `queue` lists the sender's own
   * waiting requests, which the new holder now serves. `epoch` is the last fencing epoch issued.
   */
  | { type: 'token'; id: number; epoch: number; version: number; value: Uint8Array | undefined; clock: number; queue: QueuedRequest[] }
  /** A read lease: the receiver may read (requests up to `upTo` are granted) until it is recalled. */
  | { type: 'lease'; upTo: number; epoch: number; version: number; value: Uint8Array | undefined; clock: number }
  /** A writer waits at the token holder: give the lease back once the local readers have left. */
  | { type: 'recall'; clock: number }
  /** The lease is back (answers `recall`); the sender holds no read lock any more. */
  | { type: 'return'; clock: number }
  /** The sender could not send the value (too large for the receiver): it closes the lock, as `close` does. */
  | { type: 'broken'; reason: string }
  /** The sender closed the lock (or answers the peer's `close` or `broken`) and sends nothing more for it. */
  | { type: 'close' }

/** The messages of the given types. */
export type LockMessageOf<K extends LockMessage['type']> = Extract<LockMessage, { type: K }>

const TAG = { hello: 0, request: 1, cancel: 2, token: 3, lease: 4, recall: 5, return: 6, broken: 7, close: 8 } as const
const MODES: readonly unknown[] = ['read', 'write'] satisfies NetLockMode[]
const MAX_REASON = 500

/** The compact array form of a message, as it goes on the wire. */
export function encodeLockMessage(m: LockMessage): unknown[] {
  switch (m.type) {
    case 'hello':
      return [TAG.hello, m.value ?? null]
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
  if (!Array.isArray(raw) || raw.length === 0) throw bad('a lock message that is not a tagged array')
  const f = raw as unknown[]
  switch (f[0]) {
    case TAG.hello:
      expectLength(f, 2, 'hello')
      return { type: 'hello', value: bytes(f[1], 'hello') }
    case TAG.request: {
      expectLength(f, 4, 'request')
      const mode = lockMode(f[2], exclusiveOnly)
      return { type: 'request', id: positive(f[1], 'request'), mode, clock: count(f[3], 'request') }
    }
    case TAG.cancel:
      expectLength(f, 3, 'cancel')
      return { type: 'cancel', id: positive(f[1], 'cancel'), clock: count(f[2], 'cancel') }
    case TAG.token: {
      expectLength(f, 7, 'token')
      const clock = count(f[5], 'token')
      return {
        type: 'token',
        id: positive(f[1], 'token'),
        epoch: count(f[2], 'token'),
        version: count(f[3], 'token'),
        value: bytes(f[4], 'token'),
        clock,
        queue: queue(f[6], clock, exclusiveOnly),
      }
    }
    case TAG.lease:
      expectLength(f, 6, 'lease')
      if (exclusiveOnly) throw bad('a read lease for a mutex')
      return {
        type: 'lease',
        upTo: positive(f[1], 'lease'),
        epoch: count(f[2], 'lease'),
        version: count(f[3], 'lease'),
        value: bytes(f[4], 'lease'),
        clock: count(f[5], 'lease'),
      }
    case TAG.recall:
    case TAG.return: {
      const type = f[0] === TAG.recall ? 'recall' : 'return'
      expectLength(f, 2, type)
      if (exclusiveOnly) throw bad(`a lease ${type} for a mutex`)
      return { type, clock: count(f[1], type) }
    }
    case TAG.broken:
      expectLength(f, 2, 'broken')
      if (typeof f[1] !== 'string') throw bad('a malformed lock broken')
      return { type: 'broken', reason: f[1].slice(0, MAX_REASON) }
    case TAG.close:
      expectLength(f, 1, 'close')
      return { type: 'close' }
    default:
      throw bad(`a lock message with unknown tag ${String(f[0]).slice(0, 20)}`)
  }
}

function expectLength(f: unknown[], length: number, what: string): void {
  if (f.length !== length) throw bad(`a malformed lock ${what}`)
}

function flatQueue(queue: readonly QueuedRequest[]): unknown[] {
  const flat: unknown[] = []
  for (const r of queue) flat.push(r.id, r.ts, r.mode)
  return flat
}

/** The token's queue: flat [id, ts, mode]* with ids and timestamps strictly increasing, none after `clock`. */
function queue(raw: unknown, clock: number, exclusiveOnly: boolean): QueuedRequest[] {
  if (!Array.isArray(raw) || raw.length % 3 !== 0) throw bad('a token with a malformed queue')
  const out: QueuedRequest[] = []
  for (let i = 0; i < raw.length; i += 3) {
    const id = positive(raw[i], 'token queue')
    const ts = count(raw[i + 1], 'token queue')
    const prev = out[out.length - 1]
    if (ts > clock || (prev !== undefined && (id <= prev.id || ts <= prev.ts))) throw bad('a token with a disordered queue')
    out.push({ id, ts, mode: lockMode(raw[i + 2], exclusiveOnly) })
  }
  return out
}

function lockMode(raw: unknown, exclusiveOnly: boolean): NetLockMode {
  if (!MODES.includes(raw)) throw bad('a lock message with an unknown mode')
  if (exclusiveOnly && raw === 'read') throw bad('a read request for a mutex')
  return raw as NetLockMode
}

function bytes(raw: unknown, what: string): Uint8Array | undefined {
  if (raw === null) return undefined
  if (raw instanceof Uint8Array) return raw
  throw bad(`a lock ${what} whose value is not bytes`)
}

function count(raw: unknown, what: string): number {
  if (typeof raw === 'number' && Number.isSafeInteger(raw) && raw >= 0) return raw
  throw bad(`a malformed lock ${what}`)
}

function positive(raw: unknown, what: string): number {
  const n = count(raw, what)
  if (n === 0) throw bad(`a malformed lock ${what}`)
  return n
}

function bad(what: string): NetError {
  return new NetError('protocol', `peer sent ${what}`)
}
