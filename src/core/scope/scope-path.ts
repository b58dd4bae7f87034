import { peerSent } from '../../base/errors.js'
import { describeValue, usageError } from '../../base/arguments.js'
import { MAX_KEY_LENGTH } from '../wire-checks.js'

/**
 * How a scope's operations are named on the wire (docs/scopes-design.md). A scope's *path* is the
 * names from the session down to it, joined with {@link SCOPE_SEPARATOR}; an operation's *routing
 * key* is its scope's path, the separator and its key. Keys of the session's root key space have
 * no separator, so they are on the wire exactly as before, and the router, held messages, lanes
 * and cancels treat scoped keys like any other. Neither scope names nor keys may contain the
 * separator, which makes the mapping one-to-one.
 */
export const SCOPE_SEPARATOR = '\u0000'

/** How deep scopes nest: a path of at most this many names. */
export const MAX_SCOPE_DEPTH = 32

/** Longest scope name, in characters. */
export const MAX_SCOPE_NAME_LENGTH = 128

/** Longest scope path (names and separators), in characters. */
export const MAX_SCOPE_PATH_LENGTH = 512

/** Longest routing key: a full path, the separator and the longest key. */
export const MAX_ROUTING_KEY_LENGTH = MAX_SCOPE_PATH_LENGTH + 1 + MAX_KEY_LENGTH

/** The routing key of `key` in the scope at `path`. */
export function routingKey(path: string, key: string): string {
  return path + SCOPE_SEPARATOR + key
}

/** The path of the scope a routing key belongs to; undefined for a root key. */
export function scopeOf(routing: string): string | undefined {
  const at = routing.lastIndexOf(SCOPE_SEPARATOR)
  return at < 0 ? undefined : routing.slice(0, at)
}

/** The path of child `name` under `parent` (undefined: the session's root key space). */
export function childPath(where: string, parent: string | undefined, name: unknown): string {
  if (typeof name !== 'string' || name.length === 0 || name.length > MAX_SCOPE_NAME_LENGTH || name.includes(SCOPE_SEPARATOR)) {
    throw usageError(where, `name must be a string of 1 to ${MAX_SCOPE_NAME_LENGTH} characters without U+0000, got ${describeValue(name)}`)
  }
  const path = parent === undefined ? name : parent + SCOPE_SEPARATOR + name
  if (depthOf(path) > MAX_SCOPE_DEPTH || path.length > MAX_SCOPE_PATH_LENGTH) {
    throw usageError(where, `scopes nest at most ${MAX_SCOPE_DEPTH} deep, in a path of at most ${MAX_SCOPE_PATH_LENGTH} characters`)
  }
  return path
}

/** A path as messages show it: its names joined with `/`. */
export function showPath(path: string): string {
  return path.split(SCOPE_SEPARATOR).join('/')
}

/** A routing key from the peer: a root key, or a path within the bounds and a key. Throws NetError `protocol`. */
export function checkRoutingKey(value: unknown, what: string): string {
  if (typeof value !== 'string' || value.length === 0 || value.length > MAX_ROUTING_KEY_LENGTH) throw peerSent(`a malformed ${what}`)
  const at = value.lastIndexOf(SCOPE_SEPARATOR)
  if (at < 0) {
    if (value.length > MAX_KEY_LENGTH) throw peerSent(`a malformed ${what}`)
    return value
  }
  if (value.length - at - 1 === 0 || value.length - at - 1 > MAX_KEY_LENGTH) throw peerSent(`a malformed ${what}`)
  checkPathText(value.slice(0, at), what)
  return value
}

/** A scope path from the peer (in a scope's end frame). Throws NetError `protocol`. */
export function checkScopePath(value: unknown, what: string): string {
  if (typeof value !== 'string') throw peerSent(`a malformed ${what}`)
  checkPathText(value, what)
  return value
}

function checkPathText(path: string, what: string): void {
  if (path.length === 0 || path.length > MAX_SCOPE_PATH_LENGTH) throw peerSent(`a malformed ${what}`)
  let depth = 1
  let start = 0
  for (let at = path.indexOf(SCOPE_SEPARATOR); at >= 0; at = path.indexOf(SCOPE_SEPARATOR, at + 1)) {
    if (at === start || at - start > MAX_SCOPE_NAME_LENGTH || ++depth > MAX_SCOPE_DEPTH) throw peerSent(`a ${what} nested too deep or with a bad scope name`)
    start = at + 1
  }
  if (start === path.length || path.length - start > MAX_SCOPE_NAME_LENGTH) throw peerSent(`a ${what} with a bad scope name`)
}

function depthOf(path: string): number {
  let depth = 1
  for (let at = path.indexOf(SCOPE_SEPARATOR); at >= 0; at = path.indexOf(SCOPE_SEPARATOR, at + 1)) depth++
  return depth
}
