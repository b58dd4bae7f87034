// Page for scopes.spec.ts: opens a netbeam session over the harness's simple-peer and runs
// scoped operations the test starts on both sides at once.
import { harness } from './harness.js'
import { fromSimplePeer, isNetError, Session, type NetMutex, type Scope } from '../../src/index.js'

/** How one pending call settled. */
export interface Settled {
  name: string
  ok: boolean
  code?: string
  message?: string
}

/** What one round in its own scope gave this side. */
export interface RoundReport {
  /** The peer's value from each exchange, in call order (default keys). */
  exchanged: unknown[]
  /** The peer's message on the round's channel. */
  message: unknown
  /** The nested scope's join result (this side's own value). */
  joined: unknown
}

export interface ScopesPage {
  open(): Promise<'leader' | 'follower'>
  /** Plays `count` rounds, each in scope `round-<n>` (with a nested `inner` scope), closing each. */
  rounds(count: number): Promise<RoundReport[]>
  /** Opens scope `game` and takes this side's lock there, so the peer's request for it waits. */
  holdLock(): Promise<void>
  /** Starts calls in `game` the peer never makes: an exchange, a join, a channel read, a request for the peer's held lock. */
  startPending(): void
  reset(reason: string): Promise<void>
  /** Resolves once every pending call has settled, with how each did. */
  pending(): Promise<Settled[]>
  openOperations(): number
}

declare global {
  interface Window {
    scopes: ScopesPage
  }
}

let session: Session | undefined
let game: Scope | undefined
let calls: Promise<Settled>[] = []
let locks: { mine: NetMutex<number>; peers: NetMutex<number> } | undefined
const need = (): Session => {
  if (!session) throw new Error('call scopes.open() first')
  return session
}

function settle(name: string, call: Promise<unknown>): Promise<Settled> {
  return call.then(
    () => ({ name, ok: true }),
    (err: unknown) => (isNetError(err) ? { name, ok: false, code: err.code, message: err.message } : { name, ok: false, message: String(err) }),
  )
}

window.scopes = {
  async open() {
    const { peer } = await harness.connected
    session = await Session.open(fromSimplePeer(peer))
    session.on('close', (reason) => harness.log(`session closed: ${reason.code}: ${reason.message}`))
    return session.role
  },
  async rounds(count) {
    const me = need().role
    const reports: RoundReport[] = []
    for (let n = 1; n <= count; n++) {
      await using round = need().scope(`round-${n}`)
      const channel = round.channel<string>('moves')
      const inner = round.scope('inner')
      const [first, second, joined] = await Promise.all([round.exchange(`${me}:${n}:a`), round.exchange(`${me}:${n}:b`), inner.join(() => `${me}:${n}`)])
      await channel.send(`${me}:${n}:move`)
      const message = (await channel[Symbol.asyncIterator]().next()).value
      reports.push({ exchanged: [first, second], message, joined })
    }
    return reports
  },
  async holdLock() {
    game = need().scope('game')
    // Both sides open both locks (a request waits until the peer has opened the lock), then each takes its own.
    const me = need().role
    locks = { mine: game.mutex<number>(`lock-${me}`, { initial: 0 }), peers: game.mutex<number>(`lock-${me === 'leader' ? 'follower' : 'leader'}`, { initial: 0 }) }
    await locks.mine.lock()
  },
  startPending() {
    const me = need().role
    const peerLock = locks!.peers
    calls = [
      settle('exchange', game!.exchange(1, { key: `x-${me}` })),
      settle('join', game!.join(() => new Promise(() => {}), { key: `j-${me}` })),
      settle('channel read', game!.channel<number>(`c-${me}`)[Symbol.asyncIterator]().next()),
      settle('lock', peerLock.withLock(() => undefined)),
    ]
  },
  reset: (reason) => game!.reset(reason),
  pending: () => Promise.all(calls),
  openOperations: () => need().stats.openOperations,
}
