/**
 * netbeam: join, select, a mutex, a read/write lock and a synchronized start between two peers
 * over one ordered, reliable connection (a WebRTC DataChannel first of all).
 *
 * @packageDocumentation
 */
export { Session } from './session/session.js'
export type { SessionEvents, SessionStats } from './session/session-events.js'
export type { SessionOptions } from './session/options.js'
export type { ClockEstimate } from './session/clock-tracker.js'
export type { OpOptions } from './session/op-host.js'

export { NetError, isNetError, NET_ERROR_CODES } from './errors.js'
export type { NetErrorCode, NetErrorOptions } from './errors.js'

export type { FrameChannel, FrameChannelOptions } from './channel/frame-channel.js'
export { fromDataChannel } from './channel/data-channel.js'
export type { DataChannelLike } from './channel/data-channel.js'
export { fromSimplePeer } from './channel/simple-peer.js'
export type { SimplePeerLike } from './channel/simple-peer.js'
export { fromWebSocket } from './channel/websocket.js'
export type { WebSocketLike } from './channel/websocket.js'
export { memoryPair } from './channel/memory.js'
export type { MemoryPairOptions, MemoryFrameChannel } from './channel/memory.js'

export type { NetTask } from './sync/join.js'
export type { SelectResult } from './sync/select.js'
export type { TypedChannel, TypedChannelOptions, ChannelSendOptions } from './sync/typed-channel.js'
export type { NetMutex, NetMutexOptions, MutexGuard } from './sync/mutex.js'
export type { NetRwLock, NetRwLockOptions, LockOptions, LockEvents, LockEventSource, ClosableLock } from './sync/rwlock.js'
export type { LockGuard, ReadGuard, WriteGuard } from './sync/lock-guard.js'
export type { LockSnapshot, LockState } from './sync/lock-state.js'
export type { LockMode } from './sync/lock-wire.js'
export { SYNC_START_LATE_TOLERANCE_MS } from './time/sync-start.js'
export type { SyncStartInfo, SyncStartOptions } from './time/sync-start.js'
