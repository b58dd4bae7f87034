import { abortError, peerSent, type NetError } from '../../base/errors.js'
import { onAbort } from '../../base/abort.js'
import { deferred } from '../../base/deferred.js'
import { noop } from '../../base/noop.js'
import { unreachable } from '../../base/unreachable.js'
import type { OpHost } from '../../core/op-host.js'
import { Guard, type GuardHost } from './lock-guard.js'
import { LockHolds } from './lock-holds.js'
import { LockLink, type EngineMessage } from './lock-link.js'
import { LockQueue, type LockTracer, type Waiter } from './lock-queue.js'
import { LockSequence } from './lock-sequence.js'
import { holdsToken, isAway, nextState, type LockEvent, type LockSnapshot, type LockState } from './lock-state.js'
import { LockValue } from './lock-value.js'
import type { LockMessageOf, NetLockMode, QueuedRequest } from './lock-wire.js'

/**
 * The engine shared by NetMutex and NetRwLock: the token, the read lease and the first-come
 * first-served queue of both sides' requests, over the protocol of `lock-wire.ts` and the states
 * of `lock-state.ts`. The token holder orders every request; the other side sends it its own.
 */
export class LockCore<T> implements GuardHost<T> {
  /** Called when the value changes: committed here (`local`) or received (`peer`). */
  onChange: (value: T, origin: 'local' | 'peer') => void = noop
  /** Sees every ordering decision; for the randomized checker (test/ops/lock/lock-checker.test.ts). */
  tracer: LockTracer | undefined
  /** The port, outbox and close handshake; the handle closes the lock through it. */
  readonly link: LockLink
  /** The value, as guards and `peek()` see it. */
  readonly value: LockValue<T>
  readonly #queue: LockQueue<Guard<T>>
  readonly #holds = new LockHolds()
  #state: LockState
  readonly #seq: LockSequence
  /** The value-carrying send the last `#pump` started, for `release()` to report on. */
  #valueSend: Promise<void> | undefined

  constructor(host: OpHost, kind: 'mutex' | 'rwlock', readonly key: string, initial: T | undefined, watch: boolean) {
    this.value = new LockValue(initial as T, watch)
    this.#seq = new LockSequence(key)
    this.link = new LockLink(host, kind, key, { onMessage: (m) => this.#onMessage(m), onStop: (reason) => this.#stop(reason) })
    this.#queue = new LockQueue(this.link.isLeader, this.link.memory, key)
    this.#state = !this.link.isLeader ? 'away' : initial === undefined ? 'starting' : 'home'
    this.link.send({ type: 'hello', value: initial === undefined ? undefined : this.value.wire, watch })
  }

  /** Why the lock stopped working (closed here or by the peer, broken, or the session closed). */
  get closedReason(): NetError | undefined {
    return this.link.stopReason
  }

  query(): LockSnapshot {
    const { writer, readers } = this.#holds
    return { state: this.#state, writing: writer, readers, waiting: this.#queue.local.size, peerWaiting: this.#queue.remote.size }
  }

  /** A guard now, `null` (with `ifAvailable`) or later; rejects on abort, close or a broken lock. */
  request(mode: NetLockMode, ifAvailable: boolean, signal: AbortSignal | undefined): Promise<Guard<T> | null> {
    const closed = this.closedReason
    if (closed !== undefined) return Promise.reject(closed)
    if (signal?.aborted) return Promise.reject(abortError(signal, `locking "${this.key}"`))
    if (this.#admissible(mode)) return Promise.resolve(this.#admit(mode))
    if (ifAvailable) return Promise.resolve(null)
    const id = this.#seq.nextRequest(this.link.sharedTime())
    const waiter: Waiter<Guard<T>> = { id, ts: this.#seq.clock, mode, done: deferred(), stopAbort: noop }
    this.#queue.local.push(waiter)
    this.tracer?.queued(id, waiter.ts)
    if (isAway(this.#state)) this.link.send({ type: 'request', id, mode, clock: waiter.ts })
    else this.#pump()
    if (signal !== undefined) waiter.stopAbort = onAbort(signal, () => this.#abort(waiter, signal))
    return waiter.done.promise
  }

  /** Called by a guard, once. */
  release(mode: NetLockMode, touched: boolean): Promise<void> {
    this.#holds.release(mode)
    let refused: unknown
    try {
      if (mode === 'write' && touched && this.value.commit()) this.onChange(this.value.current, 'local')
    } catch (err) {
      refused = err
    }
    this.#valueSend = undefined
    if (holdsToken(this.#state)) this.#pump()
    else if (this.#state === 'recalled' && this.#holds.readers === 0) this.#send({ type: 'return', clock: this.#seq.clock }, 'returnSent')
    if (refused !== undefined) return Promise.reject(refused)
    return this.#valueSend ?? Promise.resolve()
  }

  /** Web Locks' grantable rule: nothing queued ahead, and nothing held that conflicts. */
  #admissible(mode: NetLockMode): boolean {
    if (this.#state === 'leased') return mode === 'read' && this.#queue.local.size === 0
    if (!holdsToken(this.#state) || !this.#queue.isEmpty || this.#holds.conflicts(mode)) return false
    return mode === 'read' || this.#state === 'home'
  }

  #admit(mode: NetLockMode): Guard<T> {
    return new Guard(this, mode, this.#holds.admit(mode, holdsToken(this.#state)))
  }

  #grant(waiter: Waiter<Guard<T>>): void {
    waiter.stopAbort()
    waiter.done.resolve(this.#admit(waiter.mode))
  }

  #abort(waiter: Waiter<Guard<T>>, signal: AbortSignal): void {
    if (!this.#queue.removeLocal(waiter)) return
    waiter.done.reject(abortError(signal, `locking "${this.key}"`))
    if (isAway(this.#state)) this.link.send({ type: 'cancel', id: waiter.id, clock: this.#seq.clock })
    else this.#pump()
  }

  /** The holder grants from the head of the queue, in order, as far as nothing conflicts. */
  #pump(): void {
    if (!holdsToken(this.#state)) return
    const queue = this.#queue
    let leaseUpTo = 0
    for (let side = queue.headSide(); side !== undefined; side = queue.headSide()) {
      const local = side === 'local'
      const head = local ? queue.local.first()! : queue.remote.first()!
      if (head.mode === 'read') {
        if (this.#holds.writer) break
        if (local) this.#grant(this.#decided(queue.local.shift()!, true))
        else if (this.#state === 'recalling') break
        else leaseUpTo = this.#decided(queue.shiftRemote()!, false).id
        continue
      }
      leaseUpTo = this.#lend(leaseUpTo)
      if (local) {
        // Recall the lease at once, while local readers (if any) finish.
        if (this.#state === 'lent') this.#send({ type: 'recall', clock: this.#seq.clock }, 'recallSent')
        if (!this.#holds.conflicts('write') && this.#state === 'home') this.#grant(this.#decided(queue.local.shift()!, true))
      } else if (!this.#holds.conflicts('write') && this.#state !== 'recalling') {
        this.#sendToken(this.#decided(queue.shiftRemote()!, false).id)
      }
      break
    }
    this.#lend(leaseUpTo)
    const update = this.value.update(this.#seq.clock)
    if (update !== undefined) this.#valueSend = this.link.send(update, true)
  }

  /** `request`, just granted from the head of the queue; the tracer hears of it with all that still waits. */
  #decided<R extends QueuedRequest>(request: R, mine: boolean): R {
    this.tracer?.granted({ mine, id: request.id, ts: request.ts }, this.#queue.traced())
    return request
  }

  /** Lends the read lease for the peer's requests up to `upTo`, if any; returns 0. */
  #lend(upTo: number): 0 {
    if (upTo === 0) return 0
    const epoch = this.#holds.readEpoch()
    const value = this.value.outgoing()
    this.#send({ type: 'lease', upTo, epoch, clock: this.#seq.clock, version: this.value.version, value }, 'leaseSent')
    return 0
  }

  #sendToken(id: number): void {
    const queue = this.#queue.carried()
    this.#queue.dropRemote()
    this.#seq.tokenSent()
    const value = this.value.outgoing()
    this.#send({ type: 'token', id, epoch: this.#holds.epoch, clock: this.#seq.clock, queue, version: this.value.version, value }, 'tokenSent')
  }

  #send(message: EngineMessage, event: LockEvent): void {
    this.#state = nextState(this.#state, event)
    const sent = this.link.send(message, 'value' in message && message.value !== undefined)
    if (sent !== undefined) this.#valueSend = sent
  }

  #onMessage(m: EngineMessage): void {
    if (m.type === 'hello') return this.#onHello(m)
    this.#seq.receive(m, () => this.link.sharedTime())
    switch (m.type) {
      case 'request':
      case 'cancel':
        return this.#onRequestOrCancel(m)
      case 'token':
        return this.#onToken(m)
      case 'lease':
        return this.#onLease(m)
      case 'recall':
        this.#state = nextState(this.#state, 'recallReceived')
        this.#seq.recallReceived()
        if (this.#holds.readers === 0) this.#send({ type: 'return', clock: this.#seq.clock }, 'returnSent')
        return
      case 'return':
        this.#state = nextState(this.#state, 'returnReceived')
        return this.#pump()
      case 'update':
        this.#state = nextState(this.#state, 'updateReceived')
        this.value.updated(m.version, m.value)
        return this.onChange(this.value.current, 'peer')
      default:
        return unreachable(m)
    }
  }

  #onHello(m: LockMessageOf<'hello'>): void {
    this.#seq.hello()
    // The leader's initial value wins; the follower's counts only when the leader gave none.
    const starting = this.#state === 'starting'
    if (this.value.hello(m, starting || !this.link.isLeader)) this.onChange(this.value.current, 'peer')
    if (starting) this.#state = nextState(this.#state, 'ready')
    this.#pump() // grants what waited for the hello; a watching peer learns what was committed before it
  }

  #onRequestOrCancel(m: LockMessageOf<'request' | 'cancel'>): void {
    if (!this.#seq.fromPeer(m, holdsToken(this.#state))) return
    if (m.type === 'request') this.#queue.addRemote({ id: m.id, ts: m.clock, mode: m.mode })
    else if (!this.#queue.removeRemote(m.id)) return this.#seq.staleCancel(m.id)
    this.#pump()
  }

  #onToken(m: LockMessageOf<'token'>): void {
    const state = nextState(this.#state, 'tokenReceived')
    const waiter = this.#queue.findLocal(m.id)
    if (waiter?.mode === 'read' || m.epoch < this.#holds.epoch) {
      throw peerSent(`the token of "${this.key}" for request ${m.id}, which is no write request here`)
    }
    this.#seq.tokenReceived(m.id, m.queue.at(-1)?.id ?? 0)
    const changed = this.value.incoming(m.version, m.value)
    this.#state = state
    this.#holds.tokenArrived(m.epoch)
    this.#queue.setRemote(m.queue)
    if (changed) this.onChange(this.value.current, 'peer')
    // Request `m.id` heads the queue now, unless it was aborted: then this late grant just moves on.
    this.#pump()
  }

  #onLease(m: LockMessageOf<'lease'>): void {
    const state = nextState(this.#state, 'leaseReceived')
    if (m.epoch < this.#holds.leaseEpoch || this.#queue.hasLocalUpTo(m.upTo, 'write')) {
      throw peerSent(`a read lease of "${this.key}" that covers a write request`)
    }
    this.#seq.leaseReceived(m.upTo)
    const changed = this.value.incoming(m.version, m.value)
    this.#state = state
    this.#holds.leaseEpoch = m.epoch
    if (changed) this.onChange(this.value.current, 'peer')
    // Aborted requests in the range are simply not there: their share of the lease goes unused.
    for (const waiter of this.#queue.takeLocalUpTo(m.upTo)) this.#grant(waiter)
  }

  /** Rejects every waiting request; held guards keep their value, and `peek()` the last one. */
  #stop(reason: NetError): void {
    this.#state = 'closed'
    this.#queue.rejectAll(reason)
  }
}
