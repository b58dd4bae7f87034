// Two tabs of this page meet through the relay (support/), open a netbeam session over WebRTC
// and run a join, a select and a mutex. Run `npm run example` and open the URL in two tabs.
import { fromSimplePeer, Session } from 'netbeam'
import { connectPeer } from '../../support/signalling.js'

function show(id: string, text: string): void {
  document.getElementById(id)!.textContent = text
}

/** Resolves with `ms` after `ms` milliseconds, unless `signal` aborts first (the race was lost). */
const finishAfter = (ms: number) => (signal: AbortSignal) =>
  new Promise<number>((resolve) => {
    const timer = setTimeout(() => resolve(ms), ms)
    signal.addEventListener('abort', () => clearTimeout(timer), { once: true })
  })

async function main(): Promise<void> {
  const room = new URLSearchParams(location.search).get('room') ?? 'minimal'
  show('status', `waiting for a second tab in room "${room}"…`)
  const { peer } = await connectPeer(room, { timeoutMs: 3_600_000 })
  // @types/simple-peer lacks `destroyed` and `_channel`, which simple-peer has at runtime.
  const session = await Session.open(fromSimplePeer(peer))
  show('status', `connected: this tab is the ${session.role}`)

  // join: resolves on both sides once both functions have finished.
  const mine = await session.join(async () => session.role)
  show('join', `both done (this side returned "${mine}")`)

  // select: both race; the first to finish on the shared clock wins, the loser's signal aborts.
  const { won } = await session.select(finishAfter(Math.round(Math.random() * 200)))
  show('select', won ? 'won' : 'lost')

  // mutex: a counter both sides increment 10 times; the lock hands the value back and forth.
  const counter = session.mutex('counter', { initial: 0 })
  for (let i = 0; i < 10; i++) {
    await counter.withLock((g) => {
      g.value += 1
    })
  }
  await session.join(async () => {}) // both sides have finished incrementing
  show('mutex', `counter = ${await counter.withLock((g) => g.value)}`)
}

main().catch((err: unknown) => show('status', `failed: ${String(err)}`))
