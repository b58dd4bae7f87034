import { noop } from './noop.js'

/**
 * Calls `onAbort` once when `signal` aborts; returns the function that removes the listener.
 * Every wait in netbeam uses this so that listeners are removed on every path.
 */
export function onAbort(signal: AbortSignal | undefined, onAbort: () => void): () => void {
  if (signal === undefined) return noop
  if (signal.aborted) {
    onAbort()
    return noop
  }
  signal.addEventListener('abort', onAbort, { once: true })
  return () => signal.removeEventListener('abort', onAbort)
}
