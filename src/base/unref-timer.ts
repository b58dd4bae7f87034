/** Lets Node exit while `timer` is pending: a forgotten session must not keep the process alive. Browsers have no unref. */
export function unrefTimer(timer: unknown): void {
  ;(timer as { unref?: () => void }).unref?.()
}
