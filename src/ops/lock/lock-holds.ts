import type { NetLockMode } from './lock-wire.js'

/**
 * The locks held on this side (one writer, or any number of readers) and the fencing epochs they
 * get. The holder of the token issues epochs: every write a new one, and every read phase (reads
 * granted since the last write, here or through the lease) a new one its readers share. A reader
 * under a lease takes the lease's epoch.
 */
export class LockHolds {
  writer = false
  readers = 0
  /** The last epoch issued (while holding the token) or received with it. */
  epoch = 0
  /** The epoch of the read lease this side holds. */
  leaseEpoch = 0
  #readPhase = false

  /** True if a `mode` lock would conflict with what is held here. */
  conflicts(mode: NetLockMode): boolean {
    return this.writer || (mode === 'write' && this.readers > 0)
  }

  /** Takes a lock; returns its epoch. */
  admit(mode: NetLockMode, holdsToken: boolean): number {
    if (mode === 'write') {
      this.writer = true
      this.#readPhase = false
      return ++this.epoch
    }
    this.readers++
    return holdsToken ? this.readEpoch() : this.leaseEpoch
  }

  /** The epoch of the current read phase, starting one if a write came last. */
  readEpoch(): number {
    if (!this.#readPhase) {
      this.#readPhase = true
      this.epoch++
    }
    return this.epoch
  }

  release(mode: NetLockMode): void {
    if (mode === 'write') this.writer = false
    else this.readers--
  }

  /** The token arrived with the last epoch issued; the next read starts a new phase. */
  tokenArrived(epoch: number): void {
    this.epoch = epoch
    this.#readPhase = false
  }
}
