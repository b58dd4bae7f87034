// What keeps one client, or one remote address, from exhausting the relay: per-connection token
// buckets in messages and bytes per second (the sender of a flood is the one closed), and
// per-address caps on open connections and on joins. The buckets are limiter's TokenBucket; the
// addresses are parsed by ipaddr.js.
import ipaddr from 'ipaddr.js'
import { TokenBucket } from 'limiter'

/** A token bucket's size: `burst` at once, refilled at `perSecond`. */
export interface RateLimit {
  perSecond: number
  burst: number
}

export interface RelayLimits {
  /** Messages one connection may send (keepalives included). */
  messages: RateLimit
  /** Bytes one connection may send; `burst` must hold the largest message the relay accepts. */
  bytes: RateLimit
  /** Open connections from one remote address (an IPv6 address counts by its /64). */
  connectionsPerAddress: number
  /** New connections (room joins) from one remote address: what slows down room-name scanning. */
  joins: RateLimit
}

/**
 * Signalling is a few kilobytes of SDP and a few dozen ICE candidates per pairing, then one
 * keepalive every half minute: these leave a real client ten times what it needs.
 */
export const DEFAULT_LIMITS: RelayLimits = {
  messages: { perSecond: 20, burst: 100 },
  bytes: { perSecond: 64 * 1024, burst: 256 * 1024 },
  connectionsPerAddress: 16,
  joins: { perSecond: 5, burst: 50 },
}

/** Addresses remembered with no open connection before the relay forgets the oldest join history. */
const MAX_IDLE_ADDRESSES = 1024

function checkRate(name: string, limit: RateLimit): void {
  if (!(limit.perSecond > 0 && Number.isFinite(limit.perSecond) && limit.burst >= 1 && Number.isSafeInteger(limit.burst))) {
    throw new RangeError(`relay limit ${name}: perSecond must be a positive number and burst a positive integer`)
  }
}

/** The defaults with `overrides` on top, checked. */
export function resolveLimits(overrides: Partial<RelayLimits> = {}, maxMessageBytes: number): RelayLimits {
  const limits = { ...DEFAULT_LIMITS, ...overrides }
  checkRate('messages', limits.messages)
  checkRate('bytes', limits.bytes)
  checkRate('joins', limits.joins)
  if (!(Number.isSafeInteger(limits.connectionsPerAddress) && limits.connectionsPerAddress >= 1)) {
    throw new RangeError('relay limit connectionsPerAddress must be a positive integer')
  }
  if (limits.bytes.burst < maxMessageBytes) {
    throw new RangeError(`relay limit bytes.burst (${limits.bytes.burst}) is below maxMessageBytes (${maxMessageBytes})`)
  }
  return limits
}

function isFull(bucket: TokenBucket): boolean {
  bucket.drip()
  return bucket.content >= bucket.bucketSize
}

function fullBucket(limit: RateLimit): TokenBucket {
  const bucket = new TokenBucket({ bucketSize: limit.burst, tokensPerInterval: limit.perSecond, interval: 1000 })
  // limiter starts a bucket empty; a newcomer may send its first burst at once.
  bucket.content = limit.burst
  return bucket
}

/** What one connection may still send. */
export class ConnectionBudget {
  private readonly messages: TokenBucket
  private readonly bytes: TokenBucket

  constructor(limits: RelayLimits) {
    this.messages = fullBucket(limits.messages)
    this.bytes = fullBucket(limits.bytes)
  }

  /** Charges one message of `size` bytes; false once the sender is over either limit. */
  charge(size: number): boolean {
    return this.messages.tryRemoveTokens(1) && this.bytes.tryRemoveTokens(size)
  }
}

/**
 * The key one remote address is counted under: the IPv4 address (an IPv4-mapped IPv6 address
 * included), or the /64 of an IPv6 address, since one subscriber usually holds a whole /64.
 */
export function addressKey(remote: string | undefined): string {
  if (remote === undefined || !ipaddr.isValid(remote)) return 'unknown'
  const ip = ipaddr.process(remote)
  if (ip instanceof ipaddr.IPv6) return `${ip.parts.slice(0, 4).map((part) => part.toString(16)).join(':')}::/64`
  return ip.toString()
}

export type Admission = 'ok' | 'too-many-connections' | 'too-many-joins'

interface AddressEntry {
  connections: number
  readonly joins: TokenBucket
}

/** Open connections and recent joins per remote address. */
export class AddressLimits {
  private readonly entries = new Map<string, AddressEntry>()

  constructor(private readonly limits: RelayLimits) {}

  /** Counts a new connection from `key` (see addressKey), or says why it is refused. */
  admit(key: string): Admission {
    let entry = this.entries.get(key)
    if (!entry) {
      if (this.entries.size >= MAX_IDLE_ADDRESSES) this.forgetIdle()
      entry = { connections: 0, joins: fullBucket(this.limits.joins) }
      this.entries.set(key, entry)
    }
    if (entry.connections >= this.limits.connectionsPerAddress) return 'too-many-connections'
    if (!entry.joins.tryRemoveTokens(1)) return 'too-many-joins'
    entry.connections += 1
    return 'ok'
  }

  /** A connection admitted from `key` has closed. */
  release(key: string): void {
    const entry = this.entries.get(key)
    if (entry && entry.connections > 0) entry.connections -= 1
  }

  /** Addresses tracked (open connections, or joins not yet refilled). */
  get size(): number {
    return this.entries.size
  }

  /**
   * Drops addresses with no open connection: first those whose join bucket has refilled
   * (nothing is lost), then, if there are still too many, all of them (their join history).
   */
  private forgetIdle(): void {
    for (const [key, entry] of this.entries) {
      if (entry.connections === 0 && isFull(entry.joins)) this.entries.delete(key)
    }
    if (this.entries.size < MAX_IDLE_ADDRESSES) return
    for (const [key, entry] of this.entries) if (entry.connections === 0) this.entries.delete(key)
  }
}
