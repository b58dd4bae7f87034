// Waiting for a press of Ready.

/** Hands each press of Ready to whoever waits for one; a press with nobody waiting is ignored. */
export class ReadyGate {
  readonly #waiters = new Set<() => void>()

  /** True when somebody was waiting for this press. */
  press(): boolean {
    const waiters = [...this.#waiters]
    this.#waiters.clear()
    for (const wake of waiters) wake()
    return waiters.length > 0
  }

  get waiting(): boolean {
    return this.#waiters.size > 0
  }

  wait(signal: AbortSignal): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      if (signal.aborted) return reject(signal.reason)
      const wake = (): void => {
        signal.removeEventListener('abort', onAbort)
        resolve()
      }
      const onAbort = (): void => {
        this.#waiters.delete(wake)
        reject(signal.reason)
      }
      this.#waiters.add(wake)
      signal.addEventListener('abort', onAbort, { once: true })
    })
  }
}
