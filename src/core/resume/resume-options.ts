import { checkNumber, checkOptionsObject, usageError } from '../../base/arguments.js'
import { peerSent } from '../../base/errors.js'
import { count } from '../wire-checks.js'

/** The `resume` option of `Session.open`. */
export interface ResumeOptions {
  /**
   * How long a suspended session waits for `session.resume(channel)` before it closes with
   * NetError `timeout`, in ms: a finite number > 0.
   */
  graceMs: number
}

/** What a resumable side announces in its hello. */
export interface ResumeHello {
  /** This side's share of the resume secret: random bytes, see docs/resume-design.md. */
  readonly contribution: Uint8Array
  /** The most written-but-unacknowledged bytes this side keeps (its retransmit buffer). */
  readonly retransmitBytes: number
}

/** Bytes each side contributes to the resume secret. */
export const CONTRIBUTION_BYTES = 32
/** The longest interval a timer takes (2^31 − 1 ms). */
const MAX_TIMER_MS = 2_147_483_647

/** Throws NetError `usage` naming `resume` or `resume.graceMs` for a value outside what it accepts. */
export function checkResumeOptions(where: string, value: unknown): void {
  if (value === undefined) return
  const given = checkOptionsObject(where, value, 'resume')
  checkNumber(where, 'resume.graceMs', given.graceMs, { min: 0, max: MAX_TIMER_MS, aboveMin: true })
  if (given.graceMs === undefined) throw usageError(where, 'resume.graceMs is required (how long a suspended session waits, in ms)')
  // The resume proof is an HMAC: without Web Crypto a resume could never succeed.
  if (globalThis.crypto?.subtle === undefined) {
    throw usageError(where, 'resume needs Web Crypto (crypto.subtle), which browsers offer only in a secure context (https or localhost)')
  }
}

/** This side's hello share, with fresh random bytes (Web Crypto, in Node ≥ 20 and browsers). */
export function localResumeHello(retransmitBytes: number): ResumeHello {
  return { contribution: crypto.getRandomValues(new Uint8Array(CONTRIBUTION_BYTES)), retransmitBytes }
}

/** Both sides ask for resume, or neither does: throws NetError `usage` otherwise, on both sides. */
export function agreeOnResume(local: ResumeHello | undefined, remote: ResumeHello | undefined): void {
  if ((local === undefined) === (remote === undefined)) return
  const who = local === undefined ? 'the peer asked' : 'this side asked'
  throw usageError('Session.open', `${who} for resume and the other side did not; pass the resume option on both sides or on neither`)
}

/** The hello's resume element: `[contribution, retransmitBytes]`. */
export function encodeResumeHello(hello: ResumeHello): unknown[] {
  return [hello.contribution, hello.retransmitBytes]
}

export function parseResumeHello(raw: unknown): ResumeHello {
  if (!Array.isArray(raw) || raw.length !== 2) throw peerSent('a hello whose resume part is not [contribution, retransmitBytes]')
  const [contribution, retransmitBytes] = raw as unknown[]
  if (!(contribution instanceof Uint8Array) || contribution.length !== CONTRIBUTION_BYTES) {
    throw peerSent(`a hello whose resume contribution is not ${CONTRIBUTION_BYTES} bytes`)
  }
  const bytes = count(retransmitBytes, 'hello')
  if (bytes < 1) throw peerSent('a hello with a retransmit buffer of 0 bytes')
  return { contribution, retransmitBytes: bytes }
}
