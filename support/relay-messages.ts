// What the signalling relay (relay.ts, in Node) and its clients (signalling.ts in the browser,
// e2e/node-peer.ts in Node) send each other: JSON text messages on one WebSocket per peer.

/** Relay → client messages. */
export type RelayMessage =
  | { type: 'waiting' }
  | { type: 'start'; initiator: boolean; pairing: number }
  | { type: 'signal'; pairing: number; data: unknown }
  | { type: 'peer-left' }
  | { type: 'room-full' }
  | { type: 'error'; reason: string }

/** Client → relay messages. `pairing` is the number from the `start` it answers. */
export type ClientMessage = { type: 'signal'; pairing: number; data: unknown }

/** Close codes the relay uses besides the standard ones. */
export const RelayCloseCode = {
  roomFull: 4001,
  tooManyRooms: 4002,
  badMessage: 4003,
  slowConsumer: 4004,
} as const
