/**
 * Recycled buffers for large outgoing frames. The codec takes one per frame too large for its
 * shared chunks; the framing layer gives it back once the frame's last byte was copied into a
 * chunk. A bulk transfer then stops allocating a frame-sized buffer per value, which (with the
 * receiver's per-message buffers) is what kept the garbage collector busy. A buffer never given
 * back (another FrameChannel, a channel that closed with the frame queued) is simply collected.
 */

/** The sizes buffers come in; a frame larger than the last is not pooled. */
export const FRAME_BUFFER_SIZES = [128 * 1024, 512 * 1024, 2 * 1024 * 1024] as const

/** Idle buffers kept per size: enough for the frames a bulk transfer has in flight. */
const KEPT_BYTES_PER_SIZE = 2 * 1024 * 1024

const idle: ArrayBuffer[][] = FRAME_BUFFER_SIZES.map(() => [])
/** Buffers handed out and not yet given back: only these are taken back, each once. */
const lent = new WeakSet<ArrayBuffer>()

/** The smallest pooled size of at least `bytes`, as an index, or -1 when none is that large. */
export function frameBufferSize(bytes: number): number {
  return FRAME_BUFFER_SIZES.findIndex((size) => size >= bytes)
}

/** A buffer of FRAME_BUFFER_SIZES[size] bytes, no longer referenced by any frame. */
export function takeFrameBuffer(size: number): Uint8Array<ArrayBuffer> {
  const buffer = idle[size]!.pop() ?? new ArrayBuffer(FRAME_BUFFER_SIZES[size]!)
  lent.add(buffer)
  return new Uint8Array(buffer)
}

/**
 * Gives back the buffer under `frame` when it came from {@link takeFrameBuffer}; call only once
 * nothing will read `frame` again. Anything else, or a second call, is ignored, so a buffer can
 * never be handed out to two frames at once.
 */
export function giveBackFrame(frame: Uint8Array): void {
  const buffer = frame.buffer as ArrayBuffer
  // Small frames (nearly all) live in the codec's shared chunks: no lookup for them.
  if (buffer.byteLength < FRAME_BUFFER_SIZES[0] || !lent.delete(buffer)) return
  const size = FRAME_BUFFER_SIZES.indexOf(buffer.byteLength as (typeof FRAME_BUFFER_SIZES)[number])
  const shelf = idle[size]
  if (shelf !== undefined && (shelf.length + 1) * buffer.byteLength <= KEPT_BYTES_PER_SIZE) shelf.push(buffer)
}
