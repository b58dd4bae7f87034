import type { FrameChannel, FrameChannelOptions } from '../../src/transport/frame-channel.js'
import { Link } from './drop-link.js'

/**
 * A memory FrameChannel pair whose link can be cut between two transport messages. The cut sits
 * under the framing layer (frame-sender / chunk-codec), so it falls at a frame boundary when the
 * next message is a whole frame and inside a chunked frame when it is one of its chunks. A cut
 * loses everything in flight (sent, not yet delivered) in both directions and every later send;
 * each end then sees its transport close abruptly (NetError `closed`), after its own delay.
 */

/** `abrupt`: each end sees its transport close; `silent`: nothing arrives any more and nobody is told. */
export type CutHow = 'abrupt' | 'silent'

/** What kind of transport message the cut fell before (chunk-codec.ts: kinds 0, 1, 2). */
export type CutBefore = 'whole' | 'first-chunk' | 'next-chunk'

/** Where a cut fell. */
export interface CutReport {
  /** How many messages the link carried (both directions) before the cut. */
  readonly afterMessages: number
  /** The message the cut fell before (it is lost), or undefined for {@link DropLink.cutNow}. */
  readonly before: CutBefore | undefined
  /** True when either end had sent part of a chunked frame and not its last chunk. */
  readonly insideChunkedFrame: boolean
  /** Messages that were on their way and are lost, both directions. */
  readonly lostInFlight: number
  readonly how: CutHow
}

/** One link: two FrameChannel ends and the knife. */
export interface DropLink {
  readonly ends: [FrameChannel, FrameChannel]
  /**
   * Cuts the link just before its `n`-th message from now (either direction; 1: the next one);
   * with `insideChunkedFrame`, before the `n`-th later chunk of a chunked frame (so the cut
   * always splits one). `how`: see {@link CutHow}. `cutAt(Infinity)` disarms.
   */
  cutAt(n: number, options?: { how?: CutHow; insideChunkedFrame?: boolean }): void
  /** Cuts the link now, between messages. */
  cutNow(how?: CutHow): void
  /** Resolves with where the cut fell, once it happened. */
  readonly cut: Promise<CutReport>
  /** True once cut. */
  readonly isCut: boolean
  /** Transport messages sent so far, both directions. */
  readonly messages: number
  /** Holds every message on its way to end `to` (0 or 1) until {@link DropLink.deliverHeld} or {@link DropLink.release}. */
  hold(to: 0 | 1): void
  /** Delivers, in one go, what is held for end `to`, and keeps holding what comes next. */
  deliverHeld(to: 0 | 1): void
  /** Stops holding: what is held for end `to` is delivered, and everything after it. */
  release(to: 0 | 1): void
}

export interface DropInjectorOptions extends FrameChannelOptions {
  /** One-way delay of each message, ms. @default 0 (next macrotask) */
  latencyMs?: number
  /** The seeded random source: draws how late each end hears of a cut. */
  random: () => number
  /** Each end hears of a cut after a delay uniform in [0, closeDelayMs). @default 5 */
  closeDelayMs?: number
}

/** Makes links: the first one, and a fresh one for every resume. */
export interface DropInjector {
  /** A fresh link; `overrides` change this link's options only (a resume may use another transport). */
  link(overrides?: Partial<Omit<DropInjectorOptions, 'random'>>): DropLink
}

export function dropInjector(options: DropInjectorOptions): DropInjector {
  return { link: (overrides = {}) => new Link({ ...options, ...overrides }).api() }
}
