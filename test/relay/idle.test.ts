// Idle sockets are evicted: a socket that sends no app message within the idle timeout is closed,
// however many protocol pings it answers, while the browser client, which sends the keepalives
// the relay asks for, stays in its room across several timeouts and still pairs.
import { afterEach, describe, expect, it } from 'vitest'
import { WebSocket } from 'ws'
import { RelayCloseCode } from '../../support/relay-messages.js'
import { connectPeer } from '../../support/signalling.js'
import { TimerLatenessProbe } from '../helpers/timer-lateness.js'
import { closeOrGiveUp, expectJoined, startRelay, until, within, type RelayServer } from './relay-harness.js'

let server: RelayServer | undefined
let probe: TimerLatenessProbe | undefined
afterEach(async () => {
  probe?.stop()
  await server?.close()
  server = probe = undefined
})

it('a socket that only answers protocol pings is closed within the idle timeout plus measured lateness', async () => {
  const IDLE_MS = 300
  server = await startRelay({ idleTimeoutMs: IDLE_MS })
  const lateness = (probe = new TimerLatenessProbe())
  // The relay arms its timer after this and before it sends `joined`: its deadline is at least
  // IDLE_MS after connectAt, and at most IDLE_MS after joinedAt.
  const connectAt = performance.now()
  const idler = server.client('idle-room')
  expect(await idler.next()).toEqual({ type: 'joined', keepaliveMs: IDLE_MS / 4 })
  const joinedAt = performance.now()
  expect(await idler.next()).toEqual({ type: 'waiting' })

  // Protocol pings every fifth of the timeout, answered by the relay's ws: they keep nothing alive.
  let maxRttMs = 0
  const pinger = setInterval(() => {
    const sent = performance.now()
    idler.ws.ping()
    idler.ws.once('pong', () => (maxRttMs = Math.max(maxRttMs, performance.now() - sent)))
  }, IDLE_MS / 5)
  // The relay's timer is as late as this process's timers are; the close then takes one trip.
  const bound = (): number => IDLE_MS + lateness.boundMs + maxRttMs + 2
  try {
    const closed = await closeOrGiveUp(idler, () => joinedAt + bound() + 1000)
    expect(closed, 'the idle socket was never closed').toBeDefined()
    expect(closed?.code).toBe(RelayCloseCode.idle)
    const closedAt = closed?.at ?? Infinity
    // Timers never fire early (1 ms for rounding); how late they fire is what the probe saw.
    expect(closedAt - connectAt).toBeGreaterThanOrEqual(IDLE_MS - 1)
    expect(closedAt - joinedAt).toBeLessThanOrEqual(bound())
    expect(server.relay.connectionCount).toBe(0)
  } finally {
    clearInterval(pinger)
  }
})

/** ws's client as the browser's WebSocket, noting when support/signalling.ts sends a keepalive. */
const keepalivesSent: number[] = []
class ObservedWebSocket extends WebSocket {
  override send(data: unknown, ...rest: unknown[]): void {
    if (typeof data === 'string' && JSON.parse(data).type === 'keepalive') keepalivesSent.push(performance.now())
    ;(super.send as (...args: unknown[]) => void)(data, ...rest)
  }
}

describe('the browser client (support/signalling.ts)', () => {
  const globals = globalThis as { WebSocket?: unknown }
  const original = globals.WebSocket
  afterEach(async () => {
    // The client's socket closes with the server: only then may its WebSocket global go.
    await server?.close()
    server = undefined
    globals.WebSocket = original
  })

  it('keeps a waiting player in its room across several idle timeouts, and it still pairs', async () => {
    // Relay and client share this process: only a stall of more than three quarters of the
    // timeout (1.1 s, which the probe would report) could hold a due keepalive past the deadline.
    const IDLE_MS = 1500
    const KEEPALIVES = 9
    server = await startRelay({ idleTimeoutMs: IDLE_MS })
    const lateness = (probe = new TimerLatenessProbe())
    globals.WebSocket = ObservedWebSocket
    keepalivesSent.length = 0
    const abort = new AbortController()
    let outcome = 'pending'
    const waiting = new Promise<void>((resolve) => {
      connectPeer('patient-room', { relayUrl: server!.url, timeoutMs: 60_000, signal: abort.signal, onWaiting: resolve }).then(
        () => (outcome = 'connected'),
        (err: unknown) => (outcome = `failed: ${err instanceof Error ? err.message : String(err)}`),
      )
    })
    await within(waiting, 5000, 'the client waiting in its room')
    const waitingAt = performance.now()

    // Counted in keepalives sent, not in time slept: nine of them span more than two timeouts.
    await until(() => keepalivesSent.length >= KEEPALIVES || outcome !== 'pending', 30_000, `${KEEPALIVES} keepalives`)
    expect(outcome, `worst timer lateness ${lateness.maxLatenessMs.toFixed(0)} ms`).toBe('pending')
    expect(performance.now() - waitingAt).toBeGreaterThan(2 * IDLE_MS)
    expect(server.relay.connectionCount).toBe(1)

    // The relay still has it: a newcomer is paired with it, as the responder.
    const newcomer = server.client('patient-room')
    expect(await expectJoined(newcomer)).toEqual({ type: 'start', initiator: false, pairing: 1 })
    abort.abort(new Error('test over'))
  })
})
