import type { NetError } from '../base/errors.js'

/**
 * What an adapter provides: a message transport with a send buffer. The shared framing layer
 * (framed-channel.ts) adds chunking, interleaving and backpressure on top of it.
 */
export interface RawTransport {
  /** Puts one message (at most `chunkBytes` long) on the wire; never called after close. */
  send(data: Uint8Array): void
  /**
   * True when `send` has copied the bytes by the time it returns, so the caller may reuse its
   * buffer for the next message (the framing layer then encodes every chunk into one scratch
   * buffer instead of allocating one per chunk).
   */
  readonly copiesOnSend?: boolean
  /** Bytes queued in the transport and not yet sent. */
  readonly bufferedAmount: number
  /** Resolves once `bufferedAmount <= lowWater`, or once the transport closed. */
  waitForDrain(lowWater: number): Promise<void>
  /** Closes the transport; the adapter reports it through `sink.closed` (once). */
  close(): void
}

/** Where an adapter reports what the transport does. */
export interface RawTransportSink {
  /** One incoming message. */
  message(data: Uint8Array): void
  /** The transport closed or failed; called at most once. */
  closed(reason: NetError): void
}

/** Builds a transport that reports into `sink`. */
export type RawTransportFactory = (sink: RawTransportSink) => RawTransport
