import { expect } from 'vitest'
import { NetError, type NetErrorCode } from '../../../src/base/errors.js'
import type { Session } from '../../../src/session.js'
import { deferred } from '../../../src/base/deferred.js'

/** The service most rpc tests use: one plain method, one that waits on its signal, one that streams. */
export interface TestApi {
  add(a: number, b: number): number
  fail(message: string): void
  /** Resolves with how the handler's signal ended: never resolves on its own. */
  hang(tag: string): string
  count(to: number): AsyncIterable<number>
}

/** What the serving side saw: handler signals that aborted, and generators that were returned. */
export interface ServerLog {
  aborted: Map<string, unknown>
  /** Resolves with the reason once `hang(tag)`'s signal aborts. */
  abortOf(tag: string): Promise<unknown>
  /** The highest item a `count` generator yielded so far, and whether its finally ran. */
  produced: number
  returned: number
}

/** Serves {@link TestApi} on `session` under `name`; returns what the handlers saw. */
export function serveTestApi(session: Session, name = 'test'): ServerLog {
  const waiters = new Map<string, ReturnType<typeof deferred<unknown>>>()
  const waiter = (tag: string) => {
    let entry = waiters.get(tag)
    if (entry === undefined) waiters.set(tag, (entry = deferred<unknown>()))
    return entry
  }
  const log: ServerLog = { aborted: new Map(), abortOf: (tag) => waiter(tag).promise, produced: 0, returned: 0 }
  session.rpc<TestApi>(name).handle({
    add: (a, b) => a + b,
    fail(message) {
      throw new RangeError(message)
    },
    hang: (tag, { signal }) =>
      new Promise<string>((_, reject) => {
        signal.addEventListener('abort', () => {
          log.aborted.set(tag, signal.reason)
          waiter(tag).resolve(signal.reason)
          reject(signal.reason as Error)
        })
      }),
    async *count(to) {
      try {
        for (let i = 1; i <= to; i++) {
          log.produced = i
          yield i
        }
      } finally {
        log.returned++
      }
    },
  })
  return log
}

export async function expectNetError(promise: Promise<unknown>, code: NetErrorCode): Promise<NetError> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  )
  expect(err).toBeInstanceOf(NetError)
  expect((err as NetError).code, (err as Error).message).toBe(code)
  return err as NetError
}
