/**
 * A network path for tests, in userspace: a UDP relay on 127.0.0.1 between two WebRTC peers that
 * forwards every datagram after a delay with jitter (so datagrams may reorder, as on a real
 * path), loses a seeded random share of them, or drops all of them for a while (an outage). The
 * peers only learn the relay's addresses ({@link LossyPath.rewrite} rewrites their candidates),
 * so ICE, DTLS and SCTP run unchanged over it. This machine's kernel has no netem.
 */
import { createSocket, type RemoteInfo, type Socket } from 'node:dgram'
import { candidateAddress } from './loopback.js'
import type { Side, SignalRewrite } from './negotiate.js'
import { prng, type Random } from './prng.js'

/** What the path does to every datagram, in each direction independently. */
export interface PathConditions {
  /** One-way delay, ms. */
  delayMs: number
  /** Each datagram's delay is `delayMs` ± up to this, uniformly, ms (datagrams may reorder). */
  jitterMs: number
  /** Share of datagrams lost, in [0, 1]. */
  loss: number
}

/** The path issue 16 asks every primitive to hold on: 20 ms ± 5 ms one way, 2 % loss. */
export const LOSSY_PATH: PathConditions = { delayMs: 20, jitterMs: 5, loss: 0.02 }

/** What happened to the datagrams that reached the relay, both directions added up. */
export interface PathStats {
  forwarded: number
  /** Lost to {@link PathConditions.loss}. */
  lost: number
  /** Dropped because the path was down when they arrived or were due. */
  cut: number
}

interface Address {
  address: string
  port: number
}

/** A datagram dropped during an outage: when (performance.now()), from which peer, its size. */
export interface Cut {
  at: number
  from: Side
  bytes: number
}

const LOOPBACK = '127.0.0.1'
/** The most cuts {@link LossyPath.cuts} keeps (the first ones). */
const MAX_CUTS_KEPT = 10_000
const other = (side: Side): Side => (side === 'a' ? 'b' : 'a')

export class LossyPath {
  #conditions: PathConditions
  readonly #random: Random
  /** `stand[x]` stands for peer x: the other peer sends to it, and x receives from it. */
  readonly #stand: Record<Side, Socket>
  readonly #real: Partial<Record<Side, Address>> = {}
  readonly #timers = new Set<ReturnType<typeof setTimeout>>()
  #down = false
  #closed = false
  #endOutage: (() => void) | undefined
  readonly stats: PathStats = { forwarded: 0, lost: 0, cut: 0 }
  /** The datagrams outages dropped: when the peers' transports retransmitted, and what. */
  readonly cuts: Cut[] = []

  private constructor(conditions: PathConditions, seed: number, stand: Record<Side, Socket>) {
    this.#conditions = { ...conditions }
    this.#random = prng(seed)
    this.#stand = stand
    for (const side of ['a', 'b'] as const) {
      // What reaches the socket standing for `side` came from the other peer, on its way to `side`.
      stand[side].on('message', (datagram, from) => this.#arrived(other(side), datagram, from))
    }
  }

  /** Opens the relay's two sockets on 127.0.0.1 (ephemeral ports). */
  static async open(conditions: PathConditions, seed: number): Promise<LossyPath> {
    const bind = (): Promise<Socket> =>
      new Promise((resolve, reject) => {
        const socket = createSocket('udp4')
        socket.once('error', reject)
        socket.bind(0, LOOPBACK, () => {
          socket.off('error', reject)
          // A send to a peer that closed may report ICMP unreachable; the path just drops it.
          socket.on('error', () => undefined)
          resolve(socket)
        })
      })
    return new LossyPath(conditions, seed, { a: await bind(), b: await bind() })
  }

  /** Changes the path for datagrams arriving from now on. */
  setPath(conditions: Partial<PathConditions>): void {
    this.#conditions = { ...this.#conditions, ...conditions }
  }

  get conditions(): PathConditions {
    return { ...this.#conditions }
  }

  /** Drops every datagram, including those already on their way, until {@link LossyPath.up}. */
  down(): void {
    this.#down = true
  }

  up(): void {
    this.#down = false
    this.#endOutage?.()
    this.#endOutage = undefined
  }

  get isDown(): boolean {
    return this.#down
  }

  /**
   * Takes the path down for `ms`; resolves when it is back up (or the path closed). An outage
   * already running ends here (its promise resolves) and this one takes over.
   */
  outage(ms: number): Promise<void> {
    this.#endOutage?.()
    this.down()
    return new Promise((resolve) => {
      const timer = this.#schedule(() => this.up(), ms)
      this.#endOutage = () => {
        clearTimeout(timer)
        this.#timers.delete(timer)
        resolve()
      }
    })
  }

  /** Points each peer's candidates at the socket standing for it, and keeps it for the relay. */
  readonly rewrite: SignalRewrite = {
    sdp: (from, sdp) =>
      sdp
        .split(/\r?\n/)
        .map((line) => (line.startsWith('a=candidate:') ? this.#rewriteCandidate(from, line.slice(2)) : line))
        .filter((line): line is string => line !== undefined)
        .map((line) => (line.startsWith('candidate:') ? `a=${line}` : line))
        .join('\r\n'),
    candidate: (from, line) => this.#rewriteCandidate(from, line),
  }

  /** Stops forwarding, clears every timer and closes both sockets. */
  async close(): Promise<void> {
    if (this.#closed) return
    this.#closed = true
    this.up()
    for (const timer of this.#timers) clearTimeout(timer)
    this.#timers.clear()
    await Promise.all(Object.values(this.#stand).map((socket) => new Promise<void>((resolve) => socket.close(() => resolve()))))
  }

  #rewriteCandidate(from: Side, line: string): string | undefined {
    const fields = line.trim().split(/\s+/)
    if (candidateAddress(line) !== LOOPBACK || fields[2]?.toLowerCase() !== 'udp') return undefined
    const real = { address: LOOPBACK, port: Number(fields[5]) }
    const known = this.#real[from]
    // One socket stands for each peer, so it relays to one address: a second candidate is dropped.
    if (known !== undefined && known.port !== real.port) return undefined
    this.#real[from] = real
    fields[5] = String(this.#stand[from].address().port)
    return fields.join(' ')
  }

  /** A datagram from peer `from` reached the relay. */
  #arrived(from: Side, datagram: Buffer, source: RemoteInfo): void {
    if (this.#closed) return
    // Where `from` really sends from is where the other peer's datagrams go back to.
    this.#real[from] = { address: source.address, port: source.port }
    if (this.#down) {
      this.#cut(from, datagram)
      return
    }
    const { delayMs, jitterMs, loss } = this.#conditions
    if (this.#random() < loss) {
      this.stats.lost++
      return
    }
    const delay = Math.max(0, delayMs + (this.#random() * 2 - 1) * jitterMs)
    this.#schedule(() => this.#deliver(from, datagram), delay)
  }

  #deliver(from: Side, datagram: Buffer): void {
    const to = this.#real[other(from)]
    if (this.#down || to === undefined) {
      this.#cut(from, datagram)
      return
    }
    this.stats.forwarded++
    // The socket standing for `from` sends it, so the receiver sees the address it was told.
    this.#stand[from].send(datagram, to.port, to.address)
  }

  #cut(from: Side, datagram: Buffer): void {
    this.stats.cut++
    if (this.cuts.length < MAX_CUTS_KEPT) this.cuts.push({ at: performance.now(), from, bytes: datagram.length })
  }

  #schedule(run: () => void, ms: number): ReturnType<typeof setTimeout> {
    const timer = setTimeout(() => {
      this.#timers.delete(timer)
      run()
    }, ms)
    timer.unref()
    this.#timers.add(timer)
    return timer
  }
}
