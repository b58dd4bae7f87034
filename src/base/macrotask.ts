/** Cancels what `later` scheduled. */
export type Cancel = () => void

/**
 * Runs `run` after `ms`, or on the next macrotask when `ms <= 0`: a zero-latency pair must not pay
 * the 1 ms that timers are clamped to, but must still yield to I/O and timers between deliveries.
 */
export function later(run: () => void, ms: number): Cancel {
  if (ms > 0) {
    const timer = setTimeout(run, ms)
    return () => clearTimeout(timer)
  }
  const setImmediateFn = (globalThis as { setImmediate?: (fn: () => void) => unknown }).setImmediate
  if (setImmediateFn !== undefined) {
    const handle = setImmediateFn(run)
    return () => (globalThis as unknown as { clearImmediate: (h: unknown) => void }).clearImmediate(handle)
  }
  // Browsers: a message to ourselves is a macrotask without the timer clamp.
  let cancelled = false
  const channel = new MessageChannel()
  channel.port1.onmessage = () => {
    channel.port1.close()
    if (!cancelled) run()
  }
  channel.port2.postMessage(null)
  return () => {
    cancelled = true
    channel.port1.close()
  }
}

/** Resolves on the next macrotask (no 1 ms timer clamp): I/O and timers get to run first. */
export function nextMacrotask(): Promise<void> {
  return new Promise((resolve) => void later(resolve, 0))
}
