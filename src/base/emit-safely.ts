import type { EventEmitter } from 'eventemitter3'

/**
 * Emits `event` on `emitter`. A listener that throws is the listener's bug: its error surfaces as
 * an uncaught error on a later task, outside the emitter's state, instead of breaking the code
 * that emitted.
 */
export function emitSafely<Events extends EventEmitter.ValidEventTypes, E extends EventEmitter.EventNames<Events>>(
  emitter: EventEmitter<Events>,
  event: E,
  ...args: EventEmitter.EventArgs<Events, E>
): void {
  try {
    emitter.emit(event, ...args)
  } catch (err) {
    setTimeout(() => {
      throw err
    }, 0)
  }
}
