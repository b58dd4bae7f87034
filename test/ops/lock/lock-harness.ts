import type { MemoryPairOptions } from '../../../src/transport/memory.js'
import type { SessionOptions } from '../../../src/core/options.js'
import { memorySessions } from '../../helpers/session-pair.js'

/** Session options that open fast and notice a silent peer quickly. */
export const QUICK: SessionOptions = { clockBurst: 1, heartbeatMs: 50, timeoutMs: 2000 }

/** A memory session pair for lock tests (the leader is the first side). */
export function lockSessions(pair: MemoryPairOptions = {}, options: SessionOptions = {}) {
  return memorySessions(pair, { leader: { ...QUICK, ...options }, follower: { ...QUICK, ...options } })
}

/**
 * Waits until `condition` holds, checking once per timer tick; fails with `what` after
 * `timeoutMs`. For observable protocol progress (a request reached the holder), not for timing.
 */
export async function until(condition: () => boolean, what: string, timeoutMs = 5000): Promise<void> {
  const deadline = performance.now() + timeoutMs
  while (!condition()) {
    if (performance.now() > deadline) throw new Error(`timed out waiting until ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 1))
  }
}
