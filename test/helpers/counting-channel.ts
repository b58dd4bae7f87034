import type { FrameChannel } from '../../src/transport/frame-channel.js'

/** Port messages a counting channel has seen go out, per operation key. */
export interface MessageCounts {
  /** All port messages sent (heartbeats, clock probes and hellos are not counted). */
  total: number
  /** Bytes of those port messages as frames. */
  bytes: number
  byKey: Map<string, number>
  /** Resets every counter to zero. */
  reset(): void
  /** Port messages sent for keys that start with `prefix`. */
  forPrefix(prefix: string): number
}

/**
 * Wraps a channel and counts the port messages sent through it (decoding each outgoing session
 * frame). The real channel still carries everything: this only watches.
 */
export function countingChannel(inner: FrameChannel): { channel: FrameChannel; counts: MessageCounts } {
  const counts: MessageCounts = {
    total: 0,
    bytes: 0,
    byKey: new Map(),
    reset() {
      counts.total = 0
      counts.bytes = 0
      counts.byKey.clear()
    },
    forPrefix(prefix) {
      let n = 0
      for (const [key, count] of counts.byKey) if (key.startsWith(prefix)) n += count
      return n
    },
  }
  const channel: FrameChannel = {
    send(frame, lane) {
      const key = portKeyOf(frame)
      if (key !== undefined) {
        counts.total++
        counts.bytes += frame.length
        counts.byKey.set(key, (counts.byKey.get(key) ?? 0) + 1)
      }
      // The lane too: without it, frames of one operation could overtake each other.
      return inner.send(frame, lane)
    },
    onFrame: (receiver) => inner.onFrame(receiver),
    get closed() {
      return inner.closed
    },
    get isClosed() {
      return inner.isClosed
    },
    get bufferedAmount() {
      return inner.bufferedAmount
    },
    close: (reason) => inner.close(reason),
  }
  return { channel, counts }
}

const textDecoder = new TextDecoder()

/**
 * The key of a port message, read from the frame's first bytes without decoding the rest (a full
 * decode of every large frame would slow the benchmarks that use this wrapper). Port messages are
 * CBOR arrays `[4 | 5, key, …]`, and an operation's `cancel` / `cancelled` frames `[6 | 7, key]`
 * (see src/core/wire.ts), possibly inside a resumable session's envelope `[8, seq, ack, …]`
 * (src/core/resume/reliable-link.ts); anything else gives undefined.
 */
function portKeyOf(frame: Uint8Array): string | undefined {
  if ((frame[0]! & 0xe0) !== 0x80) return undefined
  let at = 1
  if (frame[at] === 8) at = skipUint(frame, skipUint(frame, at + 1))
  const tag = frame[at]!
  if (tag < 4 || tag > 7) return undefined
  const head = frame[at + 1]!
  if ((head & 0xe0) !== 0x60) return undefined
  const info = head & 0x1f
  const start = at + 2
  if (info < 24) return textDecoder.decode(frame.subarray(start, start + info))
  if (info === 24) return textDecoder.decode(frame.subarray(start + 1, start + 1 + frame[start]!))
  if (info === 25) return textDecoder.decode(frame.subarray(start + 2, start + 2 + ((frame[start]! << 8) | frame[start + 1]!)))
  return undefined
}

/** The offset after the CBOR unsigned integer at `at`. */
function skipUint(frame: Uint8Array, at: number): number {
  const info = frame[at]! & 0x1f
  return at + 1 + (info < 24 ? 0 : 2 ** (info - 24))
}
