/** The ops' public types and constants: src/session.ts exports them, and index.ts through it. */
export type { NetTask } from './one-shot/join.js'
export type { SelectResult } from './one-shot/select.js'
export type { TypedChannel, TypedChannelOptions, ChannelSendOptions } from './channel/typed-channel.js'
export type { NetMutex, NetMutexOptions, MutexGuard } from './lock/mutex.js'
export type { NetRwLock, NetRwLockOptions, NetLockOptions, NetLockMode, LockEvents, ClosableLock } from './lock/rwlock.js'
export type { LockGuard, ReadGuard, WriteGuard, LockSnapshot, LockState } from './lock/rwlock.js'
export { SYNC_START_LATE_TOLERANCE_MS, type SyncStartInfo, type SyncStartOptions } from './sync-start/sync-start.js'
