import { spawn } from 'node:child_process'
import { createInterface } from 'node:readline'
import type { AddressInfo, Socket } from 'node:net'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { WebSocketServer, type WebSocket } from 'ws'
import { Session } from '../../src/session.js'
import { fromWebSocket } from '../../src/transport/websocket.js'
import { TimerLatenessProbe } from '../helpers/timer-lateness.js'

const CHILD = fileURLToPath(new URL('./ws-stalled-child.ts', import.meta.url))
const REPO = fileURLToPath(new URL('../..', import.meta.url))
/** What the library allows itself: the close handshake's grace (websocket.ts) plus the abandon wait for the bye (goodbye.ts). */
const LIBRARY_MS = 1000 + 1000
/** Never wait longer than this for a child (the old behaviour: `ws` keeps the process 30 s). */
const GIVE_UP_MS = 40_000

interface ChildRun {
  /** Ms from the child's `closed …` line to its exit, or undefined if it was killed at the bound. */
  readonly exitAfterMs: number | undefined
  /** The bound at the child's exit. */
  readonly boundMs: number
  readonly lines: string[]
}

/**
 * Runs the child; `onLine` sees each line; the child is killed once `boundMs(stalledSinceClose)`
 * passes after its `closed` line, where `stalledSinceClose` is how late this process's timers ran
 * since then.
 */
function runChild(args: string[], onLine: (line: string) => void, boundMs: (stalledSinceClose: number) => number): Promise<ChildRun> {
  const lateness = new TimerLatenessProbe()
  const child = spawn(process.execPath, ['--import', 'tsx', CHILD, ...args], { cwd: REPO, stdio: ['ignore', 'pipe', 'inherit'] })
  const lines: string[] = []
  let closedAt: number | undefined
  let stalledAtClose = 0
  const bound = (): number => boundMs(lateness.totalLatenessMs - stalledAtClose)
  return new Promise((resolve) => {
    const giveUp = setTimeout(() => child.kill('SIGKILL'), GIVE_UP_MS)
    const watch = setInterval(() => {
      if (closedAt !== undefined && performance.now() - closedAt > bound()) child.kill('SIGKILL')
    }, 10)
    createInterface({ input: child.stdout! }).on('line', (line) => {
      lines.push(line)
      if (line.startsWith('closed')) {
        closedAt = performance.now()
        stalledAtClose = lateness.totalLatenessMs
      }
      onLine(line)
    })
    child.on('exit', (_code, signal) => {
      clearTimeout(giveUp)
      clearInterval(watch)
      const boundMs = bound()
      lateness.stop()
      const exitAfterMs = signal === null && closedAt !== undefined ? performance.now() - closedAt : undefined
      resolve({ exitAfterMs, boundMs, lines })
    })
  })
}

describe('a session over ws whose peer stalls', () => {
  it('after the session times out, nothing keeps the Node process alive', async () => {
    const server = new WebSocketServer({ host: '127.0.0.1', port: 0 })
    await new Promise<void>((resolve) => server.once('listening', resolve))
    const url = `ws://127.0.0.1:${(server.address() as AddressInfo).port}`
    const sockets: WebSocket[] = []
    const tcp: Socket[] = []
    const sessions: Promise<Session>[] = []
    server.on('connection', (socket, request) => {
      sockets.push(socket)
      tcp.push(request.socket)
      // An honest peer until the test stalls it; its own heartbeat would not notice for a minute.
      sessions.push(Session.open(fromWebSocket(socket), { heartbeatMs: 10_000, timeoutMs: 60_000, clockBurst: 2 }))
    })
    try {
      const control = await runChild([url, 'control'], () => {}, () => GIVE_UP_MS)
      expect(control.exitAfterMs).toBeDefined()
      const teardownMs = control.exitAfterMs!
      const bound = (stalledSinceClose: number): number => LIBRARY_MS + 2 * teardownMs + stalledSinceClose
      const run = await runChild(
        [url],
        (line) => {
          if (line !== 'open') return
          // The network stalls: nothing is read from the child any more, and nothing reaches it.
          tcp[0]!.pause()
          tcp[0]!.cork()
        },
        bound,
      )
      console.log(`ws stalled peer: the child exited ${run.exitAfterMs?.toFixed(0)} ms after its session closed (control ${teardownMs.toFixed(0)} ms, bound ${run.boundMs.toFixed(0)} ms)`)
      expect(run.lines).toEqual(['open', 'closed timeout'])
      expect(run.exitAfterMs, `the child was still alive ${run.boundMs.toFixed(0)} ms after its session closed`).toBeDefined()
    } finally {
      for (const socket of sockets) socket.terminate()
      for (const opening of sessions) void opening.then((s) => s.close(), () => {})
      await new Promise<void>((resolve) => server.close(() => resolve()))
    }
  })
})
