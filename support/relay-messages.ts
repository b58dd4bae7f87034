// What the signalling relay (relay.ts, in Node) and its clients (signalling.ts in the browser,
// e2e/node-peer.ts in Node) send each other: JSON text messages on one WebSocket per peer.

/** Relay → client messages. */
export type RelayMessage =
  /**
   * First message after joining: send an app message (a `keepalive` will do) at least every
   * `keepaliveMs`, or the relay closes the socket as idle (`RelayCloseCode.idle`).
   */
  | { type: 'joined'; keepaliveMs: number }
  | { type: 'waiting' }
  | { type: 'start'; initiator: boolean; pairing: number }
  | { type: 'signal'; pairing: number; data: unknown }
  | { type: 'peer-left' }
  | { type: 'room-full' }
  | { type: 'error'; reason: string }

/** Client → relay messages. `pairing` is the number from the `start` it answers. */
export type ClientMessage = { type: 'signal'; pairing: number; data: unknown } | { type: 'keepalive' }

/** Close codes the relay uses besides the standard ones. */
export const RelayCloseCode = {
  roomFull: 4001,
  tooManyRooms: 4002,
  badMessage: 4003,
  slowConsumer: 4004,
  /** No app message within the idle timeout (protocol pongs do not count). */
  idle: 4005,
  /** This connection sent more messages or bytes per second than the relay allows. */
  rateLimited: 4006,
  /** Too many open connections from this remote address. */
  tooManyConnections: 4007,
  /** Too many joins from this remote address lately (room-name scanning). */
  tooManyJoins: 4008,
} as const
