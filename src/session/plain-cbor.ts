import type { CborGuardLimits } from './cbor-guard.js'

/**
 * A one-pass CBOR writer and reader for the plain subset every session frame uses: integers
 * within ±2^32, float64, ASCII strings, byte strings (Uint8Array), booleans, null, undefined,
 * arrays and plain objects with string keys. Anything outside it, or near a limit, makes them give up
 * (`undefined` / {@link GIVE_UP}) and the codec falls back to cbor-x behind the full guard; so the
 * guard's verdicts and messages stay the only ones. Within the subset both produce what cbor-x
 * would: the peer may decode with either.
 */

/** What {@link decodePlain} returns when the bytes are not (only) the plain subset. */
export const GIVE_UP: unique symbol = Symbol('give up')

const CHUNK_BYTES = 8192
/** A frame starts in a fresh chunk when less than this is left, so small frames fit. */
const MIN_FREE = 2048
const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor'])
const BUFFER_PROTO: object | undefined = (globalThis as { Buffer?: { prototype: object } }).Buffer?.prototype

/** The writer's state; frames are carved one after another out of a chunk, never overwritten. */
const out = { chunk: new Uint8Array(CHUNK_BYTES), view: undefined as unknown as DataView, pos: 0, items: 0, maxDepth: 0, maxItems: 0 }
out.view = new DataView(out.chunk.buffer)

/** `value` as CBOR, or undefined when it is not plain data within `limits` (or is large). */
export function encodePlain(value: unknown, limits: CborGuardLimits): Uint8Array | undefined {
  if (out.chunk.length - out.pos < MIN_FREE) {
    out.chunk = new Uint8Array(CHUNK_BYTES)
    out.view = new DataView(out.chunk.buffer)
    out.pos = 0
  }
  const start = out.pos
  out.items = 0
  out.maxDepth = limits.maxDepth
  out.maxItems = limits.maxItems
  if (!writeValue(value, 0)) {
    out.pos = start
    return undefined
  }
  return out.chunk.subarray(start, out.pos)
}

function room(n: number): boolean {
  return out.pos + n <= out.chunk.length
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

/** The reader's state. */
const inp = { bytes: new Uint8Array(0) as Uint8Array, pos: 0, items: 0, maxDepth: 0, maxItems: 0, ok: true }
const float64 = new DataView(new ArrayBuffer(8))

/** The value `bytes` encode, or {@link GIVE_UP} when they are not (only) plain data within `limits`. */
export function decodePlain(bytes: Uint8Array, limits: CborGuardLimits): unknown {
  inp.bytes = bytes
  inp.pos = 0
  inp.items = 0
  inp.maxDepth = limits.maxDepth
  inp.maxItems = limits.maxItems
  inp.ok = true
  const value = readValue(0)
  const ok = inp.ok && inp.pos === bytes.length
  inp.bytes = EMPTY
  return ok ? value : GIVE_UP
}

const EMPTY: Uint8Array = new Uint8Array(0)

/** Reads a head's argument (up to 32 bits); -1, with `ok` cleared, otherwise. */
function readArg(info: number): number {
  const b = inp.bytes
  const p = inp.pos
  if (info < 24) return info
  if (info === 24 && p + 1 <= b.length) {
    inp.pos = p + 1
    return b[p]!
  }
  if (info === 25 && p + 2 <= b.length) {
    inp.pos = p + 2
    return (b[p]! << 8) | b[p + 1]!
  }
  if (info === 26 && p + 4 <= b.length) {
    inp.pos = p + 4
    return b[p]! * 0x1000000 + ((b[p + 1]! << 16) | (b[p + 2]! << 8) | b[p + 3]!)
  }
  inp.ok = false
  return -1
}

function readValue(depth: number): unknown {
  const b = inp.bytes
  if (++inp.items > inp.maxItems || inp.pos >= b.length) return fail()
  const initial = b[inp.pos++]!
  const major = initial >> 5
  const info = initial & 31
  if (major === 7) return readSimple(info)
  const arg = readArg(info)
  if (arg < 0) return undefined
  switch (major) {
    case 0:
      return arg
    case 1:
      return -1 - arg
    case 2:
      if (arg > b.length - inp.pos) return fail()
      return b.subarray(inp.pos, (inp.pos += arg))
    case 3:
      return readString(arg)
    case 4: {
      if (depth >= inp.maxDepth || arg > b.length - inp.pos) return fail()
      const array: unknown[] = new Array(arg)
      for (let i = 0; i < arg && inp.ok; i++) array[i] = readValue(depth + 1)
      return array
    }
    case 5: {
      if (depth >= inp.maxDepth || arg > b.length - inp.pos) return fail()
      const record: Record<string, unknown> = {}
      for (let i = 0; i < arg && inp.ok; i++) {
        if (++inp.items > inp.maxItems || inp.pos >= b.length || b[inp.pos]! >> 5 !== 3) return fail()
        const keyLength = readArg(b[inp.pos++]! & 31)
        if (keyLength < 0) return undefined
        const key = readString(keyLength)
        if (!inp.ok || FORBIDDEN_KEYS.has(key)) return fail()
        record[key] = readValue(depth + 1)
      }
      return record
    }
    default: // tags: dates, big integers, typed arrays… or refused ones; the guard decides
      return fail()
  }
}

function readSimple(info: number): unknown {
  switch (info) {
    case 20:
      return false
    case 21:
      return true
    case 22:
      return null
    case 23:
      return undefined
    case 27: {
      const b = inp.bytes
      if (inp.pos + 8 > b.length) return fail()
      for (let i = 0; i < 8; i++) float64.setUint8(i, b[inp.pos + i]!)
      inp.pos += 8
      return float64.getFloat64(0)
    }
    default: // half and single floats are cbor-x's to read; the rest the guard refuses
      return fail()
  }
}

function readString(length: number): string {
  const b = inp.bytes
  const start = inp.pos
  // Long text is cbor-x's to read: it does not build strings a character at a time.
  if (length > b.length - start || length > 64) return fail() as never
  inp.pos = start + length
  let s = ''
  for (let i = start; i < start + length; i++) {
    const code = b[i]!
    if (code >= 0x80) return fail() as never // not ASCII: cbor-x reads it (see writeString)
    s += String.fromCharCode(code)
  }
  return s
}

function fail(): undefined {
  inp.ok = false
  return undefined
}
