import { FORBIDDEN_KEYS, type CborGuardLimits } from './cbor-guard.js'

/**
 * The reader of the plain CBOR subset that plain-cbor-writer.ts writes. It builds the value in
 * the same pass that checks it, and gives up ({@link GIVE_UP}) on anything outside the subset or
 * near a limit — tags, 64-bit integers, half and single floats, text that is not ASCII or is long,
 * the forbidden keys, broken framing — so the codec hands those bytes to the guard and cbor-x,
 * and every refusal still comes from the guard.
 */

/** What {@link decodePlain} returns when the bytes are not (only) the plain subset. */
export const GIVE_UP: unique symbol = Symbol('give up')


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
      // Grown as items arrive: a hostile count must not reserve memory before it is checked.
      if (depth >= inp.maxDepth || arg > b.length - inp.pos || arg > inp.maxItems - inp.items) return fail()
      const array: unknown[] = []
      for (let i = 0; i < arg && inp.ok; i++) array.push(readValue(depth + 1))
      return array
    }
    case 5: {
      if (depth >= inp.maxDepth || arg > b.length - inp.pos || arg > inp.maxItems - inp.items) return fail()
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
