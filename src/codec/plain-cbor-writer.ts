import { FRAME_BUFFER_SIZES, frameBufferSize, giveBackFrame, takeFrameBuffer } from '../transport/frame-buffers.js'
import { FORBIDDEN_KEYS, type CborGuardLimits } from './cbor-guard.js'

/**
 * A one-pass CBOR writer for the plain subset every session frame uses: integers within ±2^32,
 * float64, ASCII strings, byte strings (Uint8Array), booleans, null, undefined, arrays and plain
 * objects with string keys. A frame larger than a chunk goes into a recycled frame buffer (see
 * frame-buffers.ts), which the framing layer gives back once the frame is sent: a bulk transfer of
 * binary values then allocates nothing per value. Anything else, or anything near a limit, makes it give up and the
 * codec falls back to cbor-x behind the full guard, so the guard's verdicts and messages stay the
 * only ones. What it writes is what cbor-x would read back the same way; it differs from what
 * cbor-x writes in two details: -0 goes as a float (so it arrives as -0, not 0), and an Array
 * subclass goes as a plain array (cbor-x's indefinite-length form is refused by the guard).
 */

const CHUNK_BYTES = 8192
/** A frame starts in a fresh chunk when less than this is left, so small frames fit. */
const MIN_FREE = 2048
const BUFFER_PROTO: object | undefined = (globalThis as { Buffer?: { prototype: object } }).Buffer?.prototype

/** The writer's state; frames are carved one after another out of a chunk, never overwritten. */
const firstChunk = new Uint8Array(CHUNK_BYTES)
const out = {
  chunk: firstChunk,
  view: new DataView(firstChunk.buffer),
  pos: 0,
  /** Where the frame being written starts, and (once `full`) the least room it needs from there. */
  start: 0,
  needed: 0,
  items: 0,
  maxDepth: 0,
  maxItems: 0,
  full: false,
  busy: false,
}

function freshChunk(): void {
  out.chunk = new Uint8Array(CHUNK_BYTES)
  out.view = new DataView(out.chunk.buffer)
  out.pos = 0
}

/**
 * `value` as CBOR, or undefined when it is not plain data within `limits` or is larger than the
 * largest frame buffer. Which path a value takes depends on the value alone, never on where the
 * chunk happens to be: a frame that ran out of room is retried in a fresh chunk or a frame buffer.
 * Locks compare values by their bytes, and cbor-x writes the same value differently.
 */
export function encodePlain(value: unknown, limits: CborGuardLimits): Uint8Array | undefined {
  // A getter or proxy trap in `value` may itself send a frame: that one goes through cbor-x.
  if (out.busy) return undefined
  out.busy = true
  try {
    if (out.chunk.length - out.pos < MIN_FREE) freshChunk()
    let bytes = writeFrame(value, limits)
    if (bytes === undefined && out.full && out.pos !== 0 && out.needed <= CHUNK_BYTES) {
      freshChunk()
      bytes = writeFrame(value, limits)
    }
    if (bytes === undefined && out.full) bytes = writeLarge(value, limits)
    return bytes
  } finally {
    out.busy = false
  }
}

/**
 * Writes a frame too large for a chunk into a frame buffer, trying larger ones while it does not
 * fit. A failed attempt gives its buffer straight back; the chunk state is restored either way.
 */
function writeLarge(value: unknown, limits: CborGuardLimits): Uint8Array | undefined {
  const { chunk, view, pos } = out
  try {
    for (let size = frameBufferSize(out.needed); size !== -1; size = frameBufferSize(Math.max(out.needed, FRAME_BUFFER_SIZES[size]! + 1))) {
      const buffer = takeFrameBuffer(size)
      out.chunk = buffer
      out.view = new DataView(buffer.buffer)
      out.pos = 0
      let bytes: Uint8Array | undefined
      try {
        bytes = writeFrame(value, limits)
      } finally {
        if (bytes === undefined) giveBackFrame(buffer)
      }
      if (bytes !== undefined || !out.full) return bytes
    }
    return undefined
  } finally {
    out.chunk = chunk
    out.view = view
    out.pos = pos
  }
}

/** One attempt at the current position; on failure (or a throw from user code) nothing is kept. */
function writeFrame(value: unknown, limits: CborGuardLimits): Uint8Array | undefined {
  const start = out.pos
  out.start = start
  out.needed = 0
  out.items = 0
  out.maxDepth = limits.maxDepth
  out.maxItems = limits.maxItems
  out.full = false
  let written = false
  try {
    written = writeValue(value, 0)
  } finally {
    if (!written) out.pos = start
  }
  return written ? out.chunk.subarray(start, out.pos) : undefined
}

function room(n: number): boolean {
  if (out.pos + n <= out.chunk.length) return true
  out.full = true
  out.needed = out.pos + n - out.start
  return false
}

function writeHead(major: number, arg: number): boolean {
  if (!room(5)) return false
  const c = out.chunk
  const m = major << 5
  if (arg < 24) c[out.pos++] = m | arg
  else if (arg < 0x100) {
    c[out.pos++] = m | 24
    c[out.pos++] = arg
  } else if (arg < 0x10000) {
    c[out.pos++] = m | 25
    c[out.pos++] = arg >>> 8
    c[out.pos++] = arg & 0xff
  } else {
    c[out.pos++] = m | 26
    out.view.setUint32(out.pos, arg)
    out.pos += 4
  }
  return true
}

function writeValue(v: unknown, depth: number): boolean {
  if (++out.items > out.maxItems) return false
  switch (typeof v) {
    case 'number':
      if (Number.isInteger(v) && v < 0x100000000 && v >= -0x100000000 && !Object.is(v, -0)) {
        return v >= 0 ? writeHead(0, v) : writeHead(1, -1 - v)
      }
      if (!room(9)) return false
      out.chunk[out.pos++] = 0xfb
      out.view.setFloat64(out.pos, v)
      out.pos += 8
      return true
    case 'string':
      return writeString(v)
    case 'boolean':
      return writeByte(v ? 0xf5 : 0xf4)
    case 'undefined':
      return writeByte(0xf7)
    case 'object':
      return v === null ? writeByte(0xf6) : writeObject(v, depth)
    default: // bigint, symbol, function: cbor-x's business (or its refusal)
      return false
  }
}

function writeByte(byte: number): boolean {
  if (!room(1)) return false
  out.chunk[out.pos++] = byte
  return true
}

function writeString(s: string): boolean {
  if (!writeHead(3, s.length) || !room(s.length)) return false
  const c = out.chunk
  for (let i = 0; i < s.length; i++) {
    const code = s.charCodeAt(i)
    // Other text is cbor-x's: its UTF-8 keeps even lone surrogates, which ours would not.
    if (code >= 0x80) return false
    c[out.pos++] = code
  }
  return true
}

function writeObject(v: object, depth: number): boolean {
  const proto = Object.getPrototypeOf(v) as object | null
  if (proto === Uint8Array.prototype || (proto === BUFFER_PROTO && proto !== undefined)) {
    const bytes = v as Uint8Array
    if (!writeHead(2, bytes.length) || !room(bytes.length)) return false
    out.chunk.set(bytes, out.pos)
    out.pos += bytes.length
    return true
  }
  if (depth >= out.maxDepth) return false
  if (Array.isArray(v)) {
    if (!writeHead(4, v.length)) return false
    for (let i = 0; i < v.length; i++) if (!writeValue(v[i], depth + 1)) return false
    return true
  }
  if (proto !== Object.prototype && proto !== null) return false
  const record = v as Record<string, unknown>
  const keys = Object.keys(record)
  if (!writeHead(5, keys.length)) return false
  for (const key of keys) {
    if (FORBIDDEN_KEYS.has(key) || ++out.items > out.maxItems || !writeString(key)) return false
    if (!writeValue(record[key], depth + 1)) return false
  }
  return true
}

