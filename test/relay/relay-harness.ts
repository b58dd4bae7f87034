/**
 * The signalling relay (support/relay.ts) on its own http server on 127.0.0.1, and a plain `ws`
 * client that queues what the relay says, for step-by-step assertions.
 */
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { WebSocket } from 'ws'
import { attachRelay, type Relay, type RelayOptions } from '../../support/relay.js'
import type { RelayMessage } from '../../support/relay-messages.js'

const WAIT_MS = 5_000
/** Header the harness's relay reads the remote address from, so one test can be many addresses. */
export const ADDRESS_HEADER = 'x-test-remote-address'

export interface RelayServer {
  readonly relay: Relay
  /** `ws://127.0.0.1:<port>/relay` */
  readonly url: string
  /** Every client opened through `client()`; `close()` terminates them. */
  client(room: string, address?: string): RelayClient
  close(): Promise<void>
}

/**
 * Starts a relay. With `perAddress`, a client's remote address is the one it names in
 * ADDRESS_HEADER (see `client(room, address)`), as a relay behind a proxy would read it.
 */
export async function startRelay(options: RelayOptions = {}, perAddress = false): Promise<RelayServer> {
  const server: Server = createServer((_req, res) => res.writeHead(404).end())
  const addressOf = perAddress ? (req: { headers: Record<string, unknown> }) => String(req.headers[ADDRESS_HEADER]) : undefined
  const relay = attachRelay(server, { heartbeatMs: 0, ...(addressOf ? { addressOf } : {}), ...options })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const url = `ws://127.0.0.1:${(server.address() as AddressInfo).port}/relay`
  const clients: RelayClient[] = []
  return {
    relay,
    url,
    client(room, address) {
      const c = new RelayClient(`${url}?room=${room}`, address === undefined ? {} : { [ADDRESS_HEADER]: address })
      clients.push(c)
      return c
    },
    async close() {
      for (const c of clients.splice(0)) c.ws.terminate()
      relay.close()
      server.closeAllConnections()
      await new Promise((resolve) => server.close(resolve))
    },
  }
}

export interface Closed {
  code: number
  /** performance.now() when this side saw the close. */
  at: number
}

/** Rejects with `what` unless `promise` settles within `ms`. */
export function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: not within ${ms} ms`)), ms)
  })
  return Promise.race([promise, late]).finally(() => clearTimeout(timer))
}

/** Resolves once `condition()` holds (checked every 20 ms); rejects with `what` after `ms`. */
export function until(condition: () => boolean, ms: number, what: string): Promise<void> {
  const deadline = performance.now() + ms
  return new Promise((resolve, reject) => {
    const check = setInterval(() => {
      if (condition()) {
        clearInterval(check)
        resolve()
      } else if (performance.now() > deadline) {
        clearInterval(check)
        reject(new Error(`${what}: not within ${ms} ms`))
      }
    }, 20)
  })
}

/**
 * The client's close, or undefined once `giveUpAt()` (a performance.now() instant, re-read on every
 * check so a bound that grows with measured lateness is honoured) has passed without one.
 */
export function closeOrGiveUp(client: RelayClient, giveUpAt: () => number): Promise<Closed | undefined> {
  return new Promise((resolve) => {
    const check = setInterval(() => {
      if (performance.now() > giveUpAt()) finish(undefined)
    }, 20)
    void client.closed.then(finish)
    function finish(closed: Closed | undefined): void {
      clearInterval(check)
      resolve(closed)
    }
  })
}

export class RelayClient {
  readonly ws: WebSocket
  readonly opened: Promise<void>
  readonly closed: Promise<Closed>
  /** Set once closed, for checks that must not wait. */
  closeCode: number | undefined
  private readonly inbox: RelayMessage[] = []
  private wake: (() => void) | undefined

  constructor(url: string, headers: Record<string, string> = {}) {
    this.ws = new WebSocket(url, { headers })
    this.ws.on('error', () => {})
    this.opened = new Promise((resolve) => this.ws.once('open', () => resolve()))
    this.ws.on('message', (raw) => {
      this.inbox.push(JSON.parse(String(raw)) as RelayMessage)
      this.wake?.()
    })
    this.closed = new Promise((resolve) =>
      this.ws.once('close', (code) => {
        this.closeCode = code
        resolve({ code, at: performance.now() })
        this.wake?.()
      }),
    )
  }

  /** The next message; rejects if none comes within 5 s or the socket closes first. */
  async next(): Promise<RelayMessage> {
    const deadline = performance.now() + WAIT_MS
    while (this.inbox.length === 0) {
      if (this.closeCode !== undefined) throw new Error(`relay closed the socket (${this.closeCode}) with nothing queued`)
      const left = deadline - performance.now()
      if (left <= 0) throw new Error(`no relay message within ${WAIT_MS} ms`)
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left)
        this.wake = () => {
          clearTimeout(timer)
          resolve()
        }
      })
      this.wake = undefined
    }
    return this.inbox.shift() as RelayMessage
  }

  /** Messages received and not yet taken by next(). */
  get queued(): readonly RelayMessage[] {
    return this.inbox
  }

  send(value: unknown): void {
    this.ws.send(typeof value === 'string' ? value : JSON.stringify(value))
  }

  get isOpen(): boolean {
    return this.ws.readyState === WebSocket.OPEN
  }
}

/** `joined` then `waiting` (first in the room) or `start` (second). */
export async function expectJoined(client: RelayClient): Promise<RelayMessage> {
  const joined = await client.next()
  if (joined.type !== 'joined') throw new Error(`expected joined, got ${JSON.stringify(joined)}`)
  return client.next()
}

/** Two clients paired in `room`: [initiator, responder]. */
export async function pair(server: RelayServer, room: string, address?: string): Promise<[RelayClient, RelayClient]> {
  const first = server.client(room, address)
  const waiting = await expectJoined(first)
  if (waiting.type !== 'waiting') throw new Error(`expected waiting, got ${JSON.stringify(waiting)}`)
  const second = server.client(room, address)
  const started = await expectJoined(second)
  const firstStarted = await first.next()
  if (started.type !== 'start' || firstStarted.type !== 'start') throw new Error('the two clients were not paired')
  return [first, second]
}
