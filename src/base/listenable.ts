/**
 * Subscribing to a fixed set of events. `Events` maps each event name to the arguments its
 * listeners receive; a {@link Session} and every lock are `Listenable`.
 *
 * A listener that throws does not disturb the emitter: the error is rethrown on a later task (an
 * uncaught exception), outside netbeam's state.
 *
 * @example
 * ```ts
 * const onClose = (reason: NetError) => console.log(reason.code)
 * session.on('close', onClose)
 * session.off('close', onClose)
 * ```
 */
export interface Listenable<Events extends { [E in keyof Events]: unknown[] }> {
  /** Calls `listener` on every `event` from now on. */
  on<E extends keyof Events>(event: E, listener: (...args: Events[E]) => void): this
  /** Calls `listener` on the next `event` only. */
  once<E extends keyof Events>(event: E, listener: (...args: Events[E]) => void): this
  /** Removes `listener` (added with `on` or `once`) from `event`. */
  off<E extends keyof Events>(event: E, listener: (...args: Events[E]) => void): this
}
