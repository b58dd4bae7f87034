// Test-mode filter for simple-peer signal objects: only ICE candidates on
// 127.0.0.1 may pass, so browsers under test never try a path off this machine.

const LOOPBACK = '127.0.0.1'
/** An SDP with more lines than this is refused rather than scanned. */
const MAX_SDP_LINES = 4096

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

/**
 * The connection address of an ICE candidate attribute:
 * `candidate:<foundation> <component> <transport> <priority> <address> <port> typ …`.
 * Accepts the attribute with or without its `a=` SDP prefix.
 */
export function candidateAddress(line: string): string | undefined {
  const fields = line.trim().replace(/^a=/, '').split(/\s+/, 6)
  if (fields.length < 6 || !fields[0]?.startsWith('candidate:')) return undefined
  return fields[4]
}

/** True when the candidate's address is exactly 127.0.0.1. */
export function isLoopbackCandidate(line: string): boolean {
  return candidateAddress(line) === LOOPBACK
}

/** Removes every `a=candidate` line whose address is not 127.0.0.1; undefined if the SDP is too long. */
export function stripNonLoopbackCandidates(sdp: string): string | undefined {
  const lines = sdp.split(/\r?\n/, MAX_SDP_LINES + 1)
  if (lines.length > MAX_SDP_LINES) return undefined
  return lines.filter((l) => !l.startsWith('a=candidate:') || isLoopbackCandidate(l)).join('\r\n')
}

/**
 * Filters one simple-peer signal object.
 * @returns the object to forward (possibly with a rewritten SDP), or undefined to drop it.
 */
export function filterSignal(data: unknown): unknown {
  if (!isRecord(data)) return undefined
  switch (data['type']) {
    case 'candidate': {
      const ice = data['candidate']
      if (!isRecord(ice) || typeof ice['candidate'] !== 'string') return undefined
      // An empty candidate is end-of-candidates: it carries no address.
      if (ice['candidate'] === '') return data
      return isLoopbackCandidate(ice['candidate']) ? data : undefined
    }
    case 'offer':
    case 'answer':
    case 'pranswer':
    case 'rollback': {
      if (data['sdp'] === undefined) return data
      if (typeof data['sdp'] !== 'string') return undefined
      const sdp = stripNonLoopbackCandidates(data['sdp'])
      return sdp === undefined ? undefined : { ...data, sdp }
    }
    default:
      // renegotiate / transceiverRequest carry no addresses.
      return data
  }
}

/** A short description of a signal for relay logs. */
export function describeSignal(data: unknown): string {
  if (!isRecord(data)) return typeof data
  const ice = data['candidate']
  if (data['type'] === 'candidate' && isRecord(ice) && typeof ice['candidate'] === 'string') {
    return `candidate ${ice['candidate'].slice(0, 120) || '(end-of-candidates)'}`
  }
  if (typeof data['sdp'] === 'string') {
    const candidates = data['sdp'].split(/\r?\n/, MAX_SDP_LINES).filter((l) => l.startsWith('a=candidate:'))
    return `${String(data['type'])} sdp with ${candidates.length} candidate line(s)`
  }
  return String(data['type'])
}
