import { NetError, peerSent } from '../base/errors.js'
import { deferred } from '../base/deferred.js'
import { noop } from '../base/noop.js'
import { PROTOCOL_VERSION, type RolePreference } from './wire.js'

/** What a side announces in one round of the hello exchange. */
export interface HelloRound {
  readonly version: number
  readonly nonce: number
  readonly round: number
  readonly role: RolePreference
}

/** The outcome of comparing the two hellos of one round. */
export type RoleDecision = { type: 'decided'; isLeader: boolean } | { type: 'reroll' }

/**
 * Decides the roles from both hellos of the same round; both sides compute the mirror image of
 * the same answer. A fixed role wins over the nonces; equal nonces ask for another round.
 */
export function decideRole(local: HelloRound, remote: HelloRound): RoleDecision {
  if (remote.version !== local.version) {
    throw new NetError(
      'version',
      `the peer speaks netbeam protocol version ${remote.version}, this side speaks version ${local.version}`,
    )
  }
  if (local.role !== null && local.role === remote.role) {
    throw new NetError('usage', `both peers asked to be the ${local.role}; fix the role on one side only, or on neither`)
  }
  if (local.role !== null) return { type: 'decided', isLeader: local.role === 'leader' }
  if (remote.role !== null) return { type: 'decided', isLeader: remote.role === 'follower' }
  if (local.nonce === remote.nonce) return { type: 'reroll' }
  return { type: 'decided', isLeader: local.nonce > remote.nonce }
}

/** Draws a nonce: a random integer below 2^53. */
export function drawNonce(random: () => number): number {
  return Math.floor(random() * 2 ** 21) * 2 ** 32 + Math.floor(random() * 2 ** 32)
}

export { PROTOCOL_VERSION }

/** Ties after which the election gives up: with a working random source this never happens. */
const MAX_ROUNDS = 16

/**
 * One session's hello exchange: a round per tie until the roles are decided. Each side sends its
 * hello for round n only after both hellos of round n − 1 tied, so a peer's hello for any other
 * round is out of turn.
 */
export class Handshake {
  readonly #rounds = new Map<number, HelloRound>()
  readonly #decided = deferred<void>()
  #done = false

  constructor(
    private readonly local: { readonly protocolVersion: number; readonly random: () => number; readonly role: RolePreference },
    private readonly sendHello: (hello: HelloRound) => void,
  ) {
    this.#decided.promise.catch(noop)
  }

  /** Resolves once the roles are decided; rejects with the session's reason if it closes first. */
  get decided(): Promise<void> {
    return this.#decided.promise
  }

  get isDone(): boolean {
    return this.#done
  }

  /** Sends the first hello. */
  start(): void {
    this.#send(0)
  }

  /**
   * The peer's hello: returns whether this side leads once decided, or undefined after sending
   * the next round's hello. Throws NetError `protocol` for a hello out of turn, `version` or
   * `usage` when the two sides cannot agree (see {@link decideRole}).
   */
  onHello(remote: HelloRound): boolean | undefined {
    const local = this.#rounds.get(remote.round)
    if (this.#done || local === undefined || remote.round !== this.#rounds.size - 1) {
      throw peerSent(`a hello for round ${remote.round} out of turn`)
    }
    const decision = decideRole(local, remote)
    if (decision.type === 'reroll') {
      if (remote.round >= MAX_ROUNDS) throw new NetError('protocol', `leader election tied ${MAX_ROUNDS} times; the nonce source is broken`)
      this.#send(remote.round + 1)
      return undefined
    }
    this.#done = true
    this.#decided.resolve()
    return decision.isLeader
  }

  fail(reason: NetError): void {
    this.#decided.reject(reason)
  }

  #send(round: number): void {
    const hello: HelloRound = { version: this.local.protocolVersion, nonce: drawNonce(this.local.random), round, role: this.local.role }
    this.#rounds.set(round, hello)
    this.sendHello(hello)
  }
}
