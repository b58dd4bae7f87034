import { SESSION_ID_BYTES } from './resume-wire.js'

/** What both sides of a resumable session know after the hello, and nobody else. */
export interface ResumeCredentials {
  /** Names the session in a resume hello (not secret, but unguessable). */
  readonly sessionId: Uint8Array
  /** HMAC-SHA-256 key from the secret both sides contributed to. */
  readonly key: CryptoKey
  /** This side's role in the original session: part of every proof, so a proof cannot be reflected. */
  readonly isLeader: boolean
}

const encoder = new TextEncoder()

/**
 * The secret is SHA-256 over both hello contributions, the leader's first: neither side picks it
 * alone. The session id is derived from it, so it names this session and no other.
 */
export async function deriveCredentials(local: Uint8Array, peer: Uint8Array, isLeader: boolean): Promise<ResumeCredentials> {
  const [leader, follower] = isLeader ? [local, peer] : [peer, local]
  const secret = new Uint8Array(await crypto.subtle.digest('SHA-256', concat(encoder.encode('netbeam/resume'), leader, follower)))
  const id = new Uint8Array(await crypto.subtle.digest('SHA-256', concat(encoder.encode('netbeam/id'), secret)))
  const key = await crypto.subtle.importKey('raw', secret, { name: 'HMAC', hash: 'SHA-256' }, false, ['sign', 'verify'])
  return { sessionId: id.slice(0, SESSION_ID_BYTES), key, isLeader }
}

/** This side's proof over the peer's challenge. */
export async function proveTo(credentials: ResumeCredentials, peerChallenge: Uint8Array): Promise<Uint8Array> {
  const message = proofMessage(credentials.isLeader, peerChallenge)
  return new Uint8Array(await crypto.subtle.sign('HMAC', credentials.key, message))
}

/** Whether `proof` is the peer's proof over this side's challenge (checked in constant time by Web Crypto). */
export function verifyPeer(credentials: ResumeCredentials, challenge: Uint8Array, proof: Uint8Array): Promise<boolean> {
  return crypto.subtle.verify('HMAC', credentials.key, proof.slice(), proofMessage(!credentials.isLeader, challenge))
}

export function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((byte, i) => byte === b[i])
}

function proofMessage(proverIsLeader: boolean, challenge: Uint8Array): Uint8Array<ArrayBuffer> {
  return concat(encoder.encode('netbeam/proof'), Uint8Array.of(proverIsLeader ? 1 : 2), challenge)
}

function concat(...parts: Uint8Array[]): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0))
  let at = 0
  for (const part of parts) {
    out.set(part, at)
    at += part.length
  }
  return out
}
