/** Limits the guard enforces before any byte reaches the CBOR decoder. */
export interface CborGuardLimits {
  /** Deepest nesting of arrays and maps. */
  readonly maxDepth: number
  /** Most data items in one frame. */
  readonly maxItems: number
}

/** Map keys never built into an object: they could reach or shadow a prototype. */
export const FORBIDDEN_KEYS: ReadonlySet<string> = new Set(['__proto__', 'constructor'])

/** The same keys as the UTF-8 bytes they arrive as, compared without decoding. */
const FORBIDDEN_KEY_BYTES = [...FORBIDDEN_KEYS].map((key) => ({ key, bytes: new TextEncoder().encode(key) }))

/**
 * Tags whose cbor-x meaning only builds plain values: dates (0, 1), big integers (2, 3), typed
 * arrays (64–87), Set (258) and Map (259).
 */
function isPlainTag(tag: number): boolean {
  return tag <= 3 || (tag >= 64 && tag <= 87) || tag === 258 || tag === 259
}

/**
 * The state of one walk. Every frame in and out is walked, so the walk is plain functions over
 * one reused object: no closures or views are allocated per frame.
 */
interface Walk {
  bytes: Uint8Array
  pos: number
  items: number
  maxDepth: number
  maxItems: number
  /** Set by the first check that fails; every step then unwinds. */
  problem: string | undefined
}

const walk: Walk = { bytes: new Uint8Array(0), pos: 0, items: 0, maxDepth: 0, maxItems: 0, problem: undefined }

/**
 * Walks a CBOR frame without building anything and returns what is wrong with it, or undefined
 * when it is one well-formed item of plain data: integers, floats, strings, byte strings, arrays,
 * maps, booleans, null, undefined, and the few tags that only build plain values (dates, big
 * integers, typed arrays, Set, Map). Every other tag is refused because cbor-x gives some of them
 * powerful meanings (tag 27 calls a global function by name; record and reference tags carry
 * decoder state across frames), which a peer must never reach. Map keys `__proto__` and
 * `constructor` are refused so decoded objects can never reach or shadow a prototype.
 */
export function findCborProblem(bytes: Uint8Array, limits: CborGuardLimits): string | undefined {
  const w = walk
  w.bytes = bytes
  w.pos = 0
  w.items = 0
  w.maxDepth = limits.maxDepth
  w.maxItems = limits.maxItems
  w.problem = undefined
  readItem(w, 0, false)
  if (w.problem === undefined && w.pos !== bytes.length) w.problem = 'trailing bytes after the item'
  const problem = w.problem
  // The frame is not kept alive by the shared walk.
  w.bytes = EMPTY
  return problem
}

const EMPTY = new Uint8Array(0)

/** How many data items the last {@link findCborProblem} walked: what decoding that frame builds. */
export function lastItemCount(): number {
  return walk.items
}

/** Reads the argument of a head whose low bits are `info`; -1 (with `problem` set) on failure. */
function readArgument(w: Walk, info: number): number {
  if (info < 24) return info
  const b = w.bytes
  const p = w.pos
  let size: number
  let value: number
  if (info === 24) {
    size = 1
    value = b[p]!
  } else if (info === 25) {
    size = 2
    value = (b[p]! << 8) | b[p + 1]!
  } else if (info === 26) {
    size = 4
    value = b[p]! * 0x1000000 + ((b[p + 1]! << 16) | (b[p + 2]! << 8) | b[p + 3]!)
  } else if (info === 27) {
    size = 8
    const high = b[p]! * 0x1000000 + ((b[p + 1]! << 16) | (b[p + 2]! << 8) | b[p + 3]!)
    const low = b[p + 4]! * 0x1000000 + ((b[p + 5]! << 16) | (b[p + 6]! << 8) | b[p + 7]!)
    value = high * 2 ** 32 + low
  } else {
    w.problem = `reserved or indefinite length (${info})`
    return -1
  }
  if (p + size > b.length) {
    w.problem = 'truncated'
    return -1
  }
  w.pos = p + size
  return value
}

/** Walks one item; on failure sets `problem` and returns. */
function readItem(w: Walk, depth: number, isKey: boolean): void {
  if (++w.items > w.maxItems) {
    w.problem = `more than ${w.maxItems} items (maxItems)`
    return
  }
  const b = w.bytes
  if (w.pos >= b.length) {
    w.problem = 'truncated'
    return
  }
  const initial = b[w.pos++]!
  const major = initial >> 5
  const info = initial & 31
  switch (major) {
    case 0:
    case 1:
      readArgument(w, info)
      return
    case 2:
    case 3: {
      const length = readArgument(w, info)
      if (length < 0) return
      if (length > b.length - w.pos) {
        w.problem = 'a string longer than the frame'
        return
      }
      if (major === 3 && isKey) checkKey(w, length)
      w.pos += length
      return
    }
    case 4:
    case 5: {
      if (depth >= w.maxDepth) {
        w.problem = `nesting deeper than ${w.maxDepth}`
        return
      }
      const length = readArgument(w, info)
      if (length < 0) return
      // Each entry takes at least one byte: a bigger count cannot be honest.
      if (length > b.length - w.pos) {
        w.problem = 'a container longer than the frame'
        return
      }
      for (let i = 0; i < length; i++) {
        if (major === 5) readItem(w, depth + 1, true)
        if (w.problem !== undefined) return
        readItem(w, depth + 1, false)
        if (w.problem !== undefined) return
      }
      return
    }
    case 6: {
      // A tag nests its item: counted like a container, or a chain of tags would exhaust the stack.
      if (depth >= w.maxDepth) {
        w.problem = `nesting deeper than ${w.maxDepth}`
        return
      }
      const tag = readArgument(w, info)
      if (tag < 0) return
      if (!isPlainTag(tag)) {
        w.problem = `CBOR tag ${tag}`
        return
      }
      readItem(w, depth + 1, false)
      return
    }
    default: // major 7: simple values and floats
      if (info < 20 || info === 24 || info > 27) {
        w.problem = `simple value ${info}`
        return
      }
      if (info >= 25) w.pos += info === 25 ? 2 : info === 26 ? 4 : 8
      if (w.pos > b.length) w.problem = 'truncated'
  }
}

/** Refuses a text map key equal to a forbidden one; the key's `length` bytes start at `pos`. */
function checkKey(w: Walk, length: number): void {
  for (const { key, bytes } of FORBIDDEN_KEY_BYTES) {
    if (length !== bytes.length) continue
    let i = 0
    while (i < length && w.bytes[w.pos + i] === bytes[i]) i++
    if (i === length) {
      w.problem = `the forbidden key "${key}"`
      return
    }
  }
}
