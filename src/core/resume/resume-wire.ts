import { peerSent } from '../../base/errors.js'
import { unreachable } from '../../base/unreachable.js'
import { arity, clippedText, count, tagged, unknownTag } from '../wire-checks.js'

/** Bytes of a session id and of a resume challenge. */
export const SESSION_ID_BYTES = 16
export const CHALLENGE_BYTES = 16
/** Bytes of an HMAC-SHA-256 proof. */
export const PROOF_BYTES = 32

/**
 * The frames of the resume handshake, the first frames on a new channel (docs/resume-design.md).
 * Tags continue the session frames' (wire.ts: 0–7, the envelope 8).
 */
export type ResumeFrame =
  /** Which session, how far this side got (its cumulative ack), and a fresh challenge for the peer. */
  | { type: 'resume-hello'; version: number; sessionId: Uint8Array; received: number; challenge: Uint8Array }
  /** HMAC-SHA-256 with the session's secret over the peer's challenge (resume-credentials.ts). */
  | { type: 'resume-proof'; proof: Uint8Array }
  /** The resume was refused; the channel closes after it. */
  | { type: 'resume-refused'; reason: string }

const TAG = { hello: 9, proof: 10, refused: 11 } as const
const MAX_REASON = 500

export function encodeResumeFrame(frame: ResumeFrame): unknown[] {
  switch (frame.type) {
    case 'resume-hello':
      return [TAG.hello, frame.version, frame.sessionId, frame.received, frame.challenge]
    case 'resume-proof':
      return [TAG.proof, frame.proof]
    case 'resume-refused':
      return [TAG.refused, frame.reason]
    default:
      return unreachable(frame)
  }
}

/** Validates a decoded frame; throws NetError `protocol` for anything else. */
export function parseResumeFrame(raw: unknown): ResumeFrame {
  const f = tagged(raw, 'resume')
  switch (f[0]) {
    case TAG.hello:
      arity(f, 5, 'resume hello')
      return {
        type: 'resume-hello',
        version: count(f[1], 'resume hello'),
        sessionId: bytes(f[2], SESSION_ID_BYTES, 'resume hello session id'),
        received: count(f[3], 'resume hello'),
        challenge: bytes(f[4], CHALLENGE_BYTES, 'resume hello challenge'),
      }
    case TAG.proof:
      arity(f, 2, 'resume proof')
      return { type: 'resume-proof', proof: bytes(f[1], PROOF_BYTES, 'resume proof') }
    case TAG.refused:
      arity(f, 2, 'resume refusal')
      return { type: 'resume-refused', reason: clippedText(f[1], 'resume refusal', MAX_REASON) }
    default:
      throw unknownTag(f, 'resume')
  }
}

function bytes(value: unknown, length: number, what: string): Uint8Array {
  if (value instanceof Uint8Array && value.length === length) return value
  throw peerSent(`a ${what} that is not ${length} bytes`)
}
