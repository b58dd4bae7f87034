import { NetError } from '../base/errors.js'
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
