// The signalling relay, driven from Node with plain WebSocket clients: a
// standalone http server for the rules and limits, plus one check that the
// Vite dev server under test carries the relay in loopback-only mode.
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { WebSocket } from 'ws'
import { attachRelay, type Relay, type RelayOptions } from '../support/relay.js'
import { RelayCloseCode, type RelayMessage } from '../support/relay-messages.js'
import { expect, test } from './fixtures.js'

const WAIT_MS = 5_000

/** A relay client that queues what it receives, for step-by-step assertions. */
class Client {
  private readonly inbox: RelayMessage[] = []
  private wake: (() => void) | undefined
  readonly closed: Promise<number>
  readonly ws: WebSocket
  /** From the relay's `joined`, which every admitted socket gets first (kept out of the inbox). */
  keepaliveMs: number | undefined

  constructor(url: string, origin?: string) {
    this.ws = new WebSocket(url, origin === undefined ? {} : { origin })
    this.ws.on('message', (raw) => {
      const msg = JSON.parse(String(raw)) as RelayMessage
      if (msg.type === 'joined' && this.keepaliveMs === undefined && this.inbox.length === 0) this.keepaliveMs = msg.keepaliveMs
      else this.inbox.push(msg)
      this.wake?.()
    })
    this.closed = new Promise((resolve) => this.ws.on('close', (code) => resolve(code)))
    this.ws.on('error', () => {})
  }

  async next(): Promise<RelayMessage> {
    const deadline = Date.now() + WAIT_MS
    while (this.inbox.length === 0) {
      if (Date.now() > deadline) throw new Error('no relay message within 5 s')
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, deadline - Date.now())
        this.wake = () => {
          clearTimeout(timer)
          resolve()
        }
      })
      this.wake = undefined
    }
    return this.inbox.shift() as RelayMessage
  }

  send(value: unknown): void {
    this.ws.send(typeof value === 'string' ? value : JSON.stringify(value))
  }

  signal(pairing: number, data: unknown): void {
    this.send({ type: 'signal', pairing, data })
  }

  /** Nothing more arrives: a marker sent now comes back before anything else would. */
  async expectQuietAfter(marker: Client, pairing: number): Promise<void> {
    marker.signal(pairing, { type: 'renegotiate', renegotiate: true })
    expect(await this.next()).toEqual({ type: 'signal', pairing, data: { type: 'renegotiate', renegotiate: true } })
  }

  close(): void {
    this.ws.close()
  }
}

let server: Server
let relay: Relay
let base: string
const clients: Client[] = []

async function startRelay(options: RelayOptions): Promise<void> {
  server = createServer((_req, res) => res.writeHead(404).end())
  relay = attachRelay(server, options)
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  base = `ws://127.0.0.1:${(server.address() as AddressInfo).port}/relay`
}

function client(room: string): Client {
  const c = new Client(`${base}?room=${room}`)
  clients.push(c)
  return c
}

async function pair(room: string): Promise<[Client, Client]> {
  const first = client(room)
  expect(await first.next()).toEqual({ type: 'waiting' })
  const second = client(room)
  expect(await first.next()).toEqual({ type: 'start', initiator: true, pairing: 1 })
  expect(await second.next()).toEqual({ type: 'start', initiator: false, pairing: 1 })
  return [first, second]
}

test.describe('relay', () => {
  test.beforeEach(() => startRelay({ loopbackOnly: true, maxRooms: 3, maxMessageBytes: 4096 }))
  test.afterEach(async () => {
    for (const c of clients.splice(0)) c.ws.terminate()
    relay.close()
    await new Promise((resolve) => server.close(resolve))
  })

  test('pairs two peers, the first is the initiator, signals are forwarded', async () => {
    const [a, b] = await pair('r1')
    expect(a.keepaliveMs).toBe(30_000)
    const candidate = { type: 'candidate', candidate: { candidate: 'candidate:1 1 udp 2122194687 127.0.0.1 5000 typ host', sdpMLineIndex: 0, sdpMid: '0' } }
    a.signal(1, candidate)
    expect(await b.next()).toEqual({ type: 'signal', pairing: 1, data: candidate })
  })

  test('a third peer gets room-full and is closed', async () => {
    await pair('r2')
    const third = client('r2')
    expect(await third.next()).toEqual({ type: 'room-full' })
    expect(await third.closed).toBe(RelayCloseCode.roomFull)
  })

  test('peer-left, then a new peer pairs with the one who stayed, stale signals dropped', async () => {
    const [a, b] = await pair('r3')
    b.close()
    expect(await a.next()).toEqual({ type: 'peer-left' })
    const c = client('r3')
    expect(await a.next()).toEqual({ type: 'start', initiator: true, pairing: 2 })
    expect(await c.next()).toEqual({ type: 'start', initiator: false, pairing: 2 })
    a.signal(1, { type: 'renegotiate', renegotiate: true })
    await c.expectQuietAfter(a, 2)
  })

  test('test mode forwards only 127.0.0.1 candidates', async () => {
    const [a, b] = await pair('r4')
    const ice = (line: string) => ({ type: 'candidate', candidate: { candidate: line, sdpMLineIndex: 0, sdpMid: '0' } })
    for (const address of ['192.0.2.2', '::1', 'fd00::2', '0c4f2a9e-1d2b.local', '127.0.0.2']) {
      a.signal(1, ice(`candidate:9 1 udp 2122063615 ${address} 49271 typ host generation 0`))
    }
    a.signal(1, ice(''))
    expect(await b.next()).toEqual({ type: 'signal', pairing: 1, data: ice('') })
    const sdp = ['v=0', 'a=candidate:1 1 udp 1 127.0.0.1 5000 typ host', 'a=candidate:2 1 udp 1 192.0.2.2 5001 typ host', 'a=end-of-candidates', ''].join('\r\n')
    a.signal(1, { type: 'offer', sdp })
    const forwarded = await b.next()
    expect(forwarded).toEqual({
      type: 'signal',
      pairing: 1,
      data: { type: 'offer', sdp: ['v=0', 'a=candidate:1 1 udp 1 127.0.0.1 5000 typ host', 'a=end-of-candidates', ''].join('\r\n') },
    })
  })

  test('bad, binary and oversized messages close the sender', async () => {
    const [a, b] = await pair('r5')
    a.send('not json')
    expect(await a.next()).toEqual({ type: 'error', reason: 'bad message' })
    expect(await a.closed).toBe(RelayCloseCode.badMessage)
    expect(await b.next()).toEqual({ type: 'peer-left' })

    const c = client('r5')
    await c.next()
    await b.next()
    c.ws.send(Buffer.from([1, 2, 3]))
    expect(await c.closed).toBe(RelayCloseCode.badMessage)

    const d = client('r6')
    expect(await d.next()).toEqual({ type: 'waiting' })
    d.send({ type: 'signal', pairing: 1, data: 'x'.repeat(5000) })
    expect(await d.closed).toBe(1009)
  })

  test('room names and origins are validated, the number of rooms is bounded', async () => {
    for (const url of [`${base}?room=${encodeURIComponent('../etc')}`, `${base}/%E0%A4`, `${base}?room=${'x'.repeat(65)}`]) {
      const bad = new Client(url)
      clients.push(bad)
      expect(await bad.closed, url).toBe(1006)
    }
    const foreign = new Client(`${base}?room=ok`, 'http://elsewhere.example')
    clients.push(foreign)
    expect(await foreign.closed).toBe(1006)
    const sameSite = new Client(`${base}/ok`, `http://${new URL(base).host}`)
    clients.push(sameSite)
    expect(await sameSite.next()).toEqual({ type: 'waiting' })
    sameSite.ws.terminate()
    await expect.poll(() => relay.roomCount).toBe(0)
    for (const room of ['x1', 'x2', 'x3']) expect(await client(room).next()).toEqual({ type: 'waiting' })
    const over = client('x4')
    expect(await over.next()).toEqual({ type: 'error', reason: 'too many rooms' })
    expect(await over.closed).toBe(RelayCloseCode.tooManyRooms)
    expect(relay.roomCount).toBe(3)
    clients.find((c) => c.ws.url.endsWith('room=x1'))?.close()
    await expect.poll(() => relay.roomCount).toBe(2)
  })
})

test('the Vite dev server under test hosts the relay in loopback-only mode', async ({ baseURL }) => {
  const url = `${baseURL?.replace(/^http/, 'ws')}/relay/vite-smoke-${Date.now()}`
  const a = new Client(url)
  let b: Client | undefined
  try {
    expect(await a.next()).toEqual({ type: 'waiting' })
    b = new Client(url)
    expect(await a.next()).toEqual({ type: 'start', initiator: true, pairing: 1 })
    expect(await b.next()).toEqual({ type: 'start', initiator: false, pairing: 1 })
    a.signal(1, { type: 'candidate', candidate: { candidate: 'candidate:9 1 udp 1 192.0.2.2 9 typ host', sdpMLineIndex: 0 } })
    await b.expectQuietAfter(a, 1)
  } finally {
    a.ws.terminate()
    b?.ws.terminate()
  }
})
