/** The longest delay a timer takes (2^31 − 1 ms): setTimeout fires a longer one at once. */
export const MAX_TIMER_MS = 2_147_483_647

/** Lets Node exit while `timer` is pending: a forgotten session must not keep the process alive. Browsers have no unref. */
export function unrefTimer(timer: unknown): void {
  ;(timer as { unref?: () => void }).unref?.()
}
