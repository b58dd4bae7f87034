// Page for rpc.spec.ts: opens a netbeam session over the harness's simple-peer, serves the `game`
// service on it and calls the peer's, reporting what happened in serializable form.
import { harness } from './harness.js'
import { fromSimplePeer, Session } from '../../src/index.js'
import { describe, type ErrorReport } from '../ops.js'

/** The service both pages serve and call. */
export interface GameApi {
  add(a: number, b: number): number
  fail(message: string): void
  /** Never settles by itself: waits for its signal. */
  hang(tag: string): void
  count(to: number): AsyncIterable<number>
}

export interface RpcPage {
  open(): Promise<'leader' | 'follower'>
  /** `n` concurrent `add(i, 1)` calls on the peer: how many came back right. */
  callMany(n: number): Promise<{ right: number; wrong: number }>
  fail(message: string): Promise<ErrorReport | undefined>
  /** Calls the peer's `hang(tag)` with a timeout of `ms`; resolves with how the call failed. */
  hangWithTimeout(tag: string, ms: number): Promise<ErrorReport | undefined>
  /** Resolves with the reason's code once this side's `hang(tag)` handler saw its signal abort. */
  handlerAborted(tag: string): Promise<string>
  /** Reads the peer's `count(to)`; stops after `breakAt` items if given. */
  stream(to: number, window: number, breakAt?: number): Promise<{ received: number; firstOutOfOrder: number | null }>
  /** Resolves once one of this side's `count` generators was returned early (its finally ran). */
  generatorReturned(): Promise<number>
}

declare global {
  interface Window {
    rpcPage: RpcPage
  }
}

let session: Session | undefined
const need = (): Session => {
  if (!session) throw new Error('call rpcPage.open() first')
  return session
}
const aborts = new Map<string, { promise: Promise<string>; resolve: (code: string) => void }>()
function abortOf(tag: string): { promise: Promise<string>; resolve: (code: string) => void } {
  let entry = aborts.get(tag)
  if (entry === undefined) {
    let resolve!: (code: string) => void
    entry = { promise: new Promise<string>((r) => (resolve = r)), resolve }
    aborts.set(tag, entry)
  }
  return entry
}
let returnedEarly!: (produced: number) => void
const returned = new Promise<number>((resolve) => (returnedEarly = resolve))

async function failure(call: Promise<unknown>): Promise<ErrorReport | undefined> {
  try {
    await call
    return undefined
  } catch (err) {
    return describe(err)
  }
}

window.rpcPage = {
  async open() {
    const { peer } = await harness.connected
    session = await Session.open(fromSimplePeer(peer))
    session.rpc<GameApi>('game').handle({
      add: (a, b) => a + b,
      fail(message) {
        throw new RangeError(message)
      },
      hang: (tag, { signal }) =>
        new Promise<void>((_, reject) => {
          signal.addEventListener('abort', () => {
            abortOf(tag).resolve((signal.reason as { code?: string }).code ?? 'none')
            reject(signal.reason as Error)
          })
        }),
      async *count(to) {
        let produced = 0
        try {
          for (let i = 1; i <= to; i++) {
            produced = i
            yield i
          }
        } finally {
          if (produced < to) returnedEarly(produced)
        }
      },
    })
    harness.log(`session open: ${session.role}`)
    return session.role
  },
  async callMany(n) {
    const api = need().rpc<GameApi>('game')
    const results = await Promise.all(Array.from({ length: n }, (_, i) => api.call.add(i, 1)))
    const right = results.filter((value, i) => value === i + 1).length
    return { right, wrong: n - right }
  },
  fail: (message) => failure(need().rpc<GameApi>('game').call.fail(message)),
  hangWithTimeout: (tag, ms) => failure(need().rpc<GameApi>('game').call.hang(tag, { signal: AbortSignal.timeout(ms) })),
  handlerAborted: (tag) => abortOf(tag).promise,
  async stream(to, window, breakAt) {
    let received = 0
    let firstOutOfOrder: number | null = null
    for await (const n of need().rpc<GameApi>('game').stream.count(to, { window })) {
      received++
      if (n !== received && firstOutOfOrder === null) firstOutOfOrder = n
      if (received === breakAt) break
    }
    return { received, firstOutOfOrder }
  },
  generatorReturned: () => returned,
}
