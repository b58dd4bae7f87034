
/** What a handler gets after the caller's arguments. */
export interface RpcContext {
  /**
   * Aborts when the caller gives up (its signal aborts or times out, or it leaves a streamed
   * result's loop early) and when the session closes: stop the work then, its result is not sent.
   */
  readonly signal: AbortSignal
}

/** Options of one call, passed as the last argument: `api.call.add(1, 2, { signal })`. */
export interface RpcCallOptions {
  /**
   * Gives up on the call: it rejects at once with NetError `aborted` (the signal's reason if that
   * is a NetError) and the handler's `signal` aborts on the peer, about one one-way delay later.
   * Use `AbortSignal.timeout(ms)` for a timeout.
   */
  signal?: AbortSignal
}

/** Options of one streamed call, passed as the last argument: `api.stream.count(10, { signal })`. */
export interface RpcStreamOptions extends RpcCallOptions {
  /**
   * How many items this side buffers for its reader; the peer's handler is not asked for more
   * until the reader takes some. An integer ≥ 1.
   * @default 256
   * @example `api.stream.frames(roomId, { window: 16 })`
   */
  window?: number
  /**
   * How many bytes (measured as a channel's `windowBytes`) this side buffers for its reader.
   * An integer ≥ 1.
   * @default 16777216 (16 MiB)
   * @example `api.stream.chunks(file, { windowBytes: 1024 * 1024 })`
   */
  windowBytes?: number
}

/**
 * A streamed result: iterate it once (`for await`). Leaving the loop early (`break`, `throw`)
 * cancels the call: the handler's signal aborts and its generator is returned. The loop throws
 * NetError `remote` if the handler failed (after the items it yielded before), `aborted` at once
 * if the call's signal aborted, or the session's reason once it closed.
 */
export interface RpcStream<T> extends AsyncIterable<T> {
  /** The items in order; one reader at a time (a second one throws NetError `usage`). */
  [Symbol.asyncIterator](): AsyncIterator<T, undefined>
}

/**
 * Whether method `F` streams: it returns an AsyncIterable (a method typed to return `any` does not).
 */
export type RpcIsStreaming<F> = F extends (...args: any[]) => infer R ? (0 extends 1 & R ? false : R extends AsyncIterable<unknown> ? true : false) : false

/** The names of `Api`'s methods that return an AsyncIterable: called through `api.stream`. */
export type RpcStreamMethods<Api> = { [K in keyof Api]: Api[K] extends (...args: any[]) => unknown ? (RpcIsStreaming<Api[K]> extends true ? K : never) : never }[keyof Api] & string

/** The names of `Api`'s other methods: called through `api.call`. */
export type RpcCallMethods<Api> = { [K in keyof Api]: Api[K] extends (...args: any[]) => unknown ? (RpcIsStreaming<Api[K]> extends true ? never : K) : never }[keyof Api] & string

/** `api.call`: each method sends one message and resolves with the handler's result. */
export type RpcCalls<Api> = {
  readonly [K in RpcCallMethods<Api>]: Api[K] extends (...args: infer A) => infer R
    ? ((...args: A) => Promise<Awaited<R>>) & ((...args: [...A, RpcCallOptions]) => Promise<Awaited<R>>)
    : never
}

/** `api.stream`: each method returns the handler's items as an {@link RpcStream}. */
export type RpcStreams<Api> = {
  readonly [K in RpcStreamMethods<Api>]: Api[K] extends (...args: infer A) => AsyncIterable<infer T>
    ? ((...args: A) => RpcStream<T>) & ((...args: [...A, RpcStreamOptions]) => RpcStream<T>)
    : never
}

/**
 * What `api.handle` takes: each method of `Api` with the caller's arguments followed by an
 * {@link RpcContext}. A streaming method may be an async generator (or return any async or
 * sync iterable); every other method returns its result or a promise of it. The context comes
 * right after the arguments the caller passed, so give rpc methods no optional parameters
 * (callers pass `undefined` instead of leaving one out).
 */
export type RpcHandlers<Api> = {
  [K in keyof Api]: Api[K] extends (...args: infer A) => infer R
    ? RpcIsStreaming<Api[K]> extends true
      ? (...args: [...A, RpcContext]) => R extends AsyncIterable<infer T> ? AsyncIterable<T> | Iterable<T> : never
      : (...args: [...A, RpcContext]) => Awaited<R> | PromiseLike<Awaited<R>>
    : never
}

/**
 * One named service between the two peers (`session.rpc<Api>(name)`): this side calls the peer's
 * handlers through `call` and `stream`, and serves the peer's calls once it has called `handle`.
 * Both sides may do both. Values are not checked against `Api`; validate them if the peer is
 * untrusted.
 *
 * @example
 * ```ts
 * interface MathApi { add(a: number, b: number): number; count(to: number): AsyncIterable<number> }
 * const math = session.rpc<MathApi>('math')
 * math.handle({ add: (a, b) => a + b, async *count(to) { for (let i = 1; i <= to; i++) yield i } })
 * // on the peer:
 * const sum = await peerMath.call.add(1, 2, { signal: AbortSignal.timeout(1000) })
 * for await (const n of peerMath.stream.count(3)) console.log(n)
 * ```
 */
export interface Rpc<Api> {
  /** The service's name, the key its port holds. */
  readonly name: string
  /**
   * Calls a method of the peer's handlers. Resolves with the handler's result; rejects with
   * NetError `remote` (the thrown error's name and message) if it threw, `aborted` if the
   * signal aborts first, `usage` for arguments or a result that cannot be encoded, or the
   * session's reason once it closed. A call for a method the peer's handlers lack rejects with
   * `remote` (name `NoSuchMethod`); a call before the peer handles the service at all waits for
   * it up to {@link RPC_HANDLER_WAIT_MS}, then rejects with `remote` (name `NoHandler`).
   */
  readonly call: RpcCalls<Api>
  /** Calls a streaming method of the peer's handlers; see {@link RpcStream}. */
  readonly stream: RpcStreams<Api>
  /**
   * Serves the peer's calls with `handlers` (the calls that waited for it run now). Returns the
   * function that stops serving: calls running finish, later calls wait for the next `handle`.
   * Throws NetError `usage` while another handler object serves the service.
   */
  handle(handlers: RpcHandlers<Api>): () => void
}

/**
 * How long a call waits on the callee for a service that has no handler there yet (the peer
 * has not called `handle`), in ms: calls made right after the session opens do not race the
 * peer's registration, and a service the peer never serves still answers.
 */
export const RPC_HANDLER_WAIT_MS = 2000

/** The `Api` of an untyped service: any method, any arguments, called through `call` (declare an Api to stream). */
export type RpcAnyApi = Record<string, (...args: any[]) => any>
