import { NetError, peerSent } from '../../base/errors.js'
import { createFrameCodec, type FrameCodec } from '../../codec/codec.js'
import type { LockMessageOf, WireValue } from './lock-wire.js'

/**
 * The limits a lock value is encoded and decoded under: the session's defaults. A value that is
 * not {@link isPlain} travels as its own CBOR bytes inside the lock message, so it is encoded once,
 * when a guard commits it.
 */
const VALUE_LIMITS = { maxDepth: 64, maxItems: 1_000_000 }

/**
 * One side's copy of a lock's value, with the version counter that says whether the peer's copy
 * is current (so a grant carries the value only when it changed).
 */
export class LockValue<T> {
  /** Bumped by every commit that changed the value; it travels with the token. */
  version = 0
  /** The version the peer is known to hold. */
  peerVersion = 0
  /** Set by the peer's hello: it watches the value, so the holder sends it every commit. */
  peerWatches = false
  /** What guards see; equal to the committed value whenever no writer holds the lock. */
  current: T
  #committed: T
  /** The committed value's encoding; left out for primitives, which compare by identity. */
  #bytes: Uint8Array | undefined
  readonly #codec: FrameCodec

  /**
   * `watch`: this side takes the holder's updates (without it, an update is a protocol error).
   * Throws NetError `usage` if `initial` cannot be encoded.
   */
  constructor(
    initial: T,
    readonly watch = false,
  ) {
    this.#codec = createFrameCodec(VALUE_LIMITS)
    this.current = initial
    this.#committed = initial
    this.#bytes = isPrimitive(initial) ? undefined : owned(this.#codec.encode(initial))
  }

  /** The last committed value (a write guard's changes count once it is released). */
  get committed(): T {
    return this.#committed
  }

  /** The committed value as it travels, for a hello: a plain value as itself, any other as its bytes. */
  get wire(): WireValue {
    const value = this.#committed
    return isPlain(value) ? value : (this.#bytes ??= this.#codec.encode(value))
  }

  /**
   * Commits what a write guard left in `current`; returns true if it changed. A value that cannot
   * be encoded is rolled back to the last committed one and NetError `usage` is thrown.
   */
  commit(): boolean {
    const next = this.current
    if (isPrimitive(next)) {
      if (isPrimitive(this.#committed) && Object.is(next, this.#committed)) return false
      this.#committed = next
      this.#bytes = undefined
    } else {
      let bytes: Uint8Array
      try {
        bytes = this.#codec.encode(next)
      } catch (err) {
        // An object mutated in place is the committed object itself: rebuild it from its bytes.
        this.current = this.#bytes === undefined ? this.#committed : (this.#codec.decode(this.#bytes) as T)
        this.#committed = this.current
        throw new NetError('usage', 'the lock value cannot be encoded as CBOR; it was rolled back to the last committed value', {
          cause: err,
        })
      }
      if (this.#bytes !== undefined && sameBytes(bytes, this.#bytes)) return false
      this.#committed = next
      this.#bytes = owned(bytes)
    }
    this.version++
    return true
  }

  /** The value to send with `version` if the peer's copy is older, else undefined; the peer is then current. */
  outgoing(): WireValue | undefined {
    if (this.version === this.peerVersion) return undefined
    this.peerVersion = this.version
    return this.wire
  }

  /**
   * Takes the value that came with a grant; returns true if it changed. Throws NetError
   * `protocol` for undecodable bytes, or for a grant that assumes a version this side never had.
   */
  incoming(version: number, value: WireValue | undefined): boolean {
    if (value === undefined) {
      if (version !== this.version) throw peerSent(`a grant of version ${version} without its value; this side has ${this.version}`)
      this.peerVersion = version
      return false
    }
    if (version <= this.version) throw peerSent(`value version ${version}, not newer than ${this.version}`)
    this.#adopt(value)
    this.version = this.peerVersion = version
    return true
  }

  /**
   * The token holder's update for a watching peer whose copy is older (it is then current), else
   * undefined: a value committed here that no grant carried to the peer. `clock`: the lock's clock.
   */
  update(clock: number): LockMessageOf<'update'> | undefined {
    const value = this.peerWatches ? this.outgoing() : undefined
    return value === undefined ? undefined : { type: 'update', version: this.version, value, clock }
  }

  /**
   * Takes an update from the holder (only a side without the token gets one, which the lock's
   * state checks); throws NetError `protocol` unless this side watches and the update is newer.
   */
  updated(version: number, value: WireValue): void {
    if (!this.watch) throw peerSent(`a value update to a side that does not watch it (version ${version})`)
    this.incoming(version, value)
  }

  /**
   * Takes the peer's hello: whether it watches, and its initial value if it gave one and `adopt`
   * says it wins (version 0 on both sides); returns true if the value changed.
   */
  hello(m: { value: WireValue | undefined; watch: boolean }, adopt: boolean): boolean {
    this.peerWatches = m.watch
    if (m.value === undefined || !adopt) return false
    this.#adopt(m.value)
    return true
  }

  #adopt(value: WireValue): void {
    if (value instanceof Uint8Array) {
      this.current = this.#committed = this.#codec.decode(value) as T
      this.#bytes = value
    } else {
      this.current = this.#committed = value as T
      this.#bytes = undefined
    }
  }
}

/**
 * `bytes`, copied when they are a view into a much larger buffer. The codec's encoder writes one
 * value after another into a shared buffer (grown for large values), which suits a frame sent at
 * once; a committed value is kept for as long as the lock lives, and must not pin that buffer.
 * (In Node the encoder returns a Buffer, whose `slice()` is a view: hence `new Uint8Array`.)
 */
function owned(bytes: Uint8Array): Uint8Array {
  return bytes.byteLength * 2 < bytes.buffer.byteLength ? new Uint8Array(bytes) : bytes
}

/** Values that travel as themselves, one item of the lock message: no encoding of their own. */
function isPlain(value: unknown): value is number | string | boolean {
  const type = typeof value
  return type === 'number' || type === 'string' || type === 'boolean'
}

/** Values compared by identity and always encodable. */
function isPrimitive(value: unknown): boolean {
  const type = typeof value
  return value === null || type === 'undefined' || type === 'number' || type === 'string' || type === 'boolean' || type === 'bigint'
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false
  return true
}
