/** Does nothing: the listener, `catch` handler or cancel function for when there is nothing to do. */
export function noop(): void {}

/** An already resolved promise, shared: returned where nothing is left to wait for. */
export const RESOLVED: Promise<void> = Promise.resolve()
