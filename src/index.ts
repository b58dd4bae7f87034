/**
 * netbeam: join, select, a mutex, a read/write lock, a synchronized start and rpc between two peers
 * over one ordered, reliable connection (a WebRTC DataChannel first of all).
 *
 * @packageDocumentation
 */
export { Session } from './session.js'
export type { KeySpace } from './key-space.js'
export type { Scope, ScopeOptions } from './scope.js'
export type { SessionEvents, SessionState, SessionStats } from './core/session-events.js'
export type { SessionOptions } from './core/options.js'
export type { ResumeOptions } from './core/resume/resume-options.js'
export type { ClockEstimate } from './clock/clock-tracker.js'
export type { OpOptions } from './core/op-host.js'
export type { SleepUntilOptions } from './core/timeline-sleep.js'
export type { Listenable } from './base/listenable.js'

export { NetError, isNetError, NET_ERROR_CODES } from './base/errors.js'
export type { NetErrorCode, NetErrorOptions } from './base/errors.js'

export type { FrameChannel, FrameChannelOptions } from './transport/frame-channel.js'
export { fromDataChannel } from './transport/data-channel.js'
export type { DataChannelLike } from './transport/data-channel.js'
export { fromSimplePeer } from './transport/simple-peer.js'
export type { SimplePeerLike } from './transport/simple-peer.js'
export { fromWebSocket } from './transport/websocket.js'
export type { WebSocketLike } from './transport/websocket.js'
export { memoryPair } from './transport/memory.js'
export type { MemoryPairOptions, MemoryFrameChannel } from './transport/memory.js'

export { SYNC_START_LATE_TOLERANCE_MS, RPC_HANDLER_WAIT_MS } from './session.js'
export type {
  NetTask,
  SelectResult,
  TypedChannel,
  TypedChannelOptions,
  ChannelSendOptions,
  NetMutex,
  NetMutexOptions,
  MutexGuard,
  NetRwLock,
  NetRwLockOptions,
  NetLockOptions,
  LockEvents,
  ClosableLock,
  LockGuard,
  ReadGuard,
  WriteGuard,
  LockSnapshot,
  LockState,
  NetLockMode,
  SyncStartInfo,
  SyncStartOptions,
  Rpc,
  RpcAnyApi,
  RpcCalls,
  RpcStreams,
  RpcHandlers,
  RpcContext,
  RpcCallOptions,
  RpcStreamOptions,
  RpcStream,
  RpcCallMethods,
  RpcStreamMethods,
  RpcIsStreaming,
} from './session.js'
