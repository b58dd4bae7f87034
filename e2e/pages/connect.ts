// Page for connect.spec.ts: text messages both ways, an echo for `ping:`
// messages, and an in-page RTT measurement (no Playwright round trip inside).
import { harness } from './harness.js'

export interface RttStats {
  count: number
  medianMs: number
  p99Ms: number
  minMs: number
  maxMs: number
}

export interface ConnectPage {
  send(text: string): Promise<void>
  /** Next non-ping message, waiting up to `timeoutMs`. */
  nextMessage(timeoutMs: number): Promise<string>
  /** Sequential ping-pongs over the data channel, timed with performance.now(). */
  measureRtt(count: number, warmup: number): Promise<RttStats>
}

declare global {
  interface Window {
    connectPage: ConnectPage
  }
}

const PING_TIMEOUT_MS = 5_000
const decoder = new TextDecoder()
const inbox: string[] = []
let inboxWaiter: (() => void) | undefined
let pongWaiter: ((seq: number) => void) | undefined

harness.connected.then(({ peer }) => {
  peer.on('data', (chunk: Uint8Array) => {
    const text = decoder.decode(chunk)
    if (text.startsWith('ping:')) return peer.send(`pong:${text.slice(5)}`)
    if (text.startsWith('pong:')) return pongWaiter?.(Number(text.slice(5)))
    harness.log(`received: ${text}`)
    inbox.push(text)
    inboxWaiter?.()
  })
}, () => {})

function waitFor<T>(timeoutMs: number, what: string, arm: (done: (value: T) => void) => () => void): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => {
      disarm()
      reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}`))
    }, timeoutMs)
    const disarm = arm((value) => {
      clearTimeout(timer)
      disarm()
      resolve(value)
    })
  })
}

function nextMessage(timeoutMs: number): Promise<string> {
  const ready = inbox.shift()
  if (ready !== undefined) return Promise.resolve(ready)
  return waitFor<string>(timeoutMs, 'a message', (done) => {
    inboxWaiter = () => {
      const text = inbox.shift()
      if (text !== undefined) done(text)
    }
    return () => (inboxWaiter = undefined)
  })
}

async function measureRtt(count: number, warmup: number): Promise<RttStats> {
  const { peer } = await harness.connected
  const samples: number[] = []
  for (let seq = 0; seq < warmup + count; seq++) {
    const pong = waitFor<number>(PING_TIMEOUT_MS, `pong ${seq}`, (done) => {
      pongWaiter = (got) => got === seq && done(got)
      return () => (pongWaiter = undefined)
    })
    const sentAt = performance.now()
    peer.send(`ping:${seq}`)
    await pong
    if (seq >= warmup) samples.push(performance.now() - sentAt)
  }
  samples.sort((x, y) => x - y)
  const at = (q: number): number => samples[Math.min(samples.length - 1, Math.floor(q * samples.length))] ?? NaN
  const stats = { count, medianMs: at(0.5), p99Ms: at(0.99), minMs: at(0), maxMs: at(1) }
  harness.log(`rtt median ${stats.medianMs.toFixed(3)} ms, p99 ${stats.p99Ms.toFixed(3)} ms over ${count}`)
  return stats
}

window.connectPage = {
  async send(text) {
    const { peer } = await harness.connected
    peer.send(text)
    harness.log(`sent: ${text}`)
  },
  nextMessage,
  measureRtt,
}
