import { onAbort } from '../../base/abort.js'
import { checkSignal } from '../../base/arguments.js'

/**
 * Runs a one-shot call of a scope with a signal that aborts when the caller's does or when the
 * scope is reset (`scopeSignal`), so a reset takes every call through its own abort path and both
 * sides still agree on each call's outcome. Without a scope signal (the session's root key space)
 * the call runs as it is. The listeners are removed once the call settles.
 */
export function inScope<O extends { signal?: AbortSignal }, R>(scopeSignal: AbortSignal | undefined, options: O, run: (options: O) => Promise<R>): Promise<R> {
  const own = options.signal
  if (scopeSignal === undefined || !isSignal(own)) return run(options)
  const linked = new AbortController()
  const stopOwn = onAbort(own, () => linked.abort(own!.reason))
  const stopScope = onAbort(scopeSignal, () => linked.abort(scopeSignal.reason))
  return run({ ...options, signal: linked.signal }).finally(() => {
    stopOwn()
    stopScope()
  })
}

/** A valid signal, or none; anything else the call itself reports as misuse. */
function isSignal(signal: unknown): signal is AbortSignal | undefined {
  try {
    checkSignal('', signal)
    return true
  } catch {
    return false
  }
}
