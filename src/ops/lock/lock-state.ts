import { NetError } from '../../base/errors.js'

/**
 * Where the token (the value's home) and the read lease are, seen from one side. Which local locks
 * are held (one writer, or any number of readers) is tracked beside it; the state says what this
 * side may grant and what it waits for.
 *
 * - `starting`: the leader holds the token but waits for the follower's hello (it gave no initial
 *   value, so the follower's may win).
 * - `home`: the token is here and the lease is not lent: this side grants everything.
 * - `lent`: the token is here and the peer holds a read lease: both sides may read, nobody writes.
 * - `recalling`: as `lent`, but a writer waits here and the recall is on its way.
 * - `away`: the peer holds the token; every request goes there.
 * - `leased`: the peer holds the token and lent this side a read lease: local reads need no message.
 * - `recalled`: the lease was recalled; it goes back when the last local reader leaves.
 * - `closed`: the lock was closed (here or by the peer), broke, or its session closed; nothing more
 *   happens.
 */
export type LockState = 'starting' | 'home' | 'lent' | 'recalling' | 'away' | 'leased' | 'recalled' | 'closed'

/** What moves a lock from one state to the next: a message sent or received, or the initial value settling. */
export type LockEvent =
  | 'ready'
  | 'leaseSent'
  | 'leaseReceived'
  | 'tokenSent'
  | 'tokenReceived'
  | 'recallSent'
  | 'recallReceived'
  | 'returnSent'
  | 'returnReceived'
  | 'updateReceived'

type Table = { readonly [S in LockState]: { readonly [E in LockEvent]?: LockState } }

/** The whole state machine. Any pair missing here is a message out of order. */
const TRANSITIONS: Table = {
  starting: { ready: 'home' },
  home: { leaseSent: 'lent', tokenSent: 'away' },
  lent: { leaseSent: 'lent', tokenSent: 'away', recallSent: 'recalling' },
  recalling: { returnReceived: 'home' },
  // Only the token holder sends updates, and only with no lease out.
  away: { tokenReceived: 'home', leaseReceived: 'leased', updateReceived: 'away' },
  leased: { leaseReceived: 'leased', tokenReceived: 'home', recallReceived: 'recalled' },
  recalled: { returnSent: 'away' },
  closed: {},
}

/** The state after `event`; throws NetError `protocol` if `event` cannot happen in `state`. */
export function nextState(state: LockState, event: LockEvent): LockState {
  const next = TRANSITIONS[state][event]
  if (next === undefined) throw new NetError('protocol', `lock event "${event}" is out of order in state "${state}"`)
  return next
}

/** True while the peer holds the token (so this side's requests go there). */
export function isAway(state: LockState): boolean {
  return state === 'away' || state === 'leased' || state === 'recalled'
}

/** True while this side holds the token (and so orders every request). */
export function holdsToken(state: LockState): boolean {
  return state === 'home' || state === 'lent' || state === 'recalling'
}

/** What `query()` reports about one side of a lock. */
export interface LockSnapshot {
  /** Where the token and the read lease are (see {@link LockState}). */
  readonly state: LockState
  /** True while a write guard is held on this side. */
  readonly writing: boolean
  /** Read guards held on this side. */
  readonly readers: number
  /** This side's requests still waiting. */
  readonly waiting: number
  /** The peer's requests waiting here (known only while this side holds the token). */
  readonly peerWaiting: number
}
