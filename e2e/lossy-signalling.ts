// Puts a browser context's WebRTC traffic on a LossyPath (test/helpers/lossy-path.ts): the
// context's WebSocket to the signalling relay is routed through the test, which rewrites every ICE
// candidate the page sends to the path's socket standing for that page (and drops the rest). The
// other page then only knows the path's address, so ICE, DTLS and SCTP run over it unchanged. The
// page, the demo and the relay stay as they are: only the test sees the rewrite.
import type { BrowserContext, WebSocketRoute } from '@playwright/test'
import type { ClientMessage } from '../support/relay-messages.js'
import type { Side, SignalRewrite } from '../test/helpers/negotiate.js'

/** What the rewrite did to one page's candidates. */
export interface RewriteCount {
  /** Candidates now pointing at the path. */
  rewritten: number
  /** Candidates the path cannot relay (not UDP on 127.0.0.1, or a second one): not sent. */
  dropped: number
}

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value)

/** The relay's WebSocket (path `/relay`); Vite's HMR socket is left alone. */
const isRelayUrl = (url: URL): boolean => url.pathname === '/relay'

/**
 * Routes `context`'s relay WebSocket through `rewrite` as peer `side`. Call before the page loads.
 * @returns what was rewritten so far (updated as signals pass).
 */
export async function signalThroughPath(context: BrowserContext, rewrite: SignalRewrite, side: Side): Promise<RewriteCount> {
  const count: RewriteCount = { rewritten: 0, dropped: 0 }
  await context.routeWebSocket(isRelayUrl, (page: WebSocketRoute) => {
    const relay = page.connectToServer()
    // Relay → page goes through as it is (no `relay.onMessage`); page → relay is rewritten.
    page.onMessage((message) => {
      const out = typeof message === 'string' ? rewriteMessage(message, rewrite, side, count) : message
      if (out !== undefined) relay.send(out)
    })
  })
  return count
}

/** One page → relay message, its candidates rewritten; undefined to drop it. */
function rewriteMessage(text: string, rewrite: SignalRewrite, side: Side, count: RewriteCount): string | undefined {
  let msg: unknown
  try {
    msg = JSON.parse(text)
  } catch {
    return text // not ours to judge: the relay refuses it
  }
  if (!isRecord(msg) || msg['type'] !== 'signal' || !isRecord(msg['data'])) return text
  const data = rewriteSignal(msg['data'], rewrite, side, count)
  if (data === undefined) return undefined
  const out: ClientMessage = { type: 'signal', pairing: Number(msg['pairing']), data }
  return JSON.stringify(out)
}

/** A simple-peer signal object: `candidate` (trickled) or an SDP that may carry candidates. */
function rewriteSignal(data: Record<string, unknown>, rewrite: SignalRewrite, side: Side, count: RewriteCount): unknown {
  const ice = data['candidate']
  if (data['type'] === 'candidate' && isRecord(ice) && typeof ice['candidate'] === 'string') {
    // An empty candidate is end-of-candidates: it carries no address.
    if (ice['candidate'] === '') return data
    const line = rewrite.candidate(side, ice['candidate'])
    if (line === undefined) {
      count.dropped++
      return undefined
    }
    count.rewritten++
    return { ...data, candidate: { ...ice, candidate: line } }
  }
  if (typeof data['sdp'] === 'string') {
    const before = candidateLines(data['sdp'])
    const sdp = rewrite.sdp(side, data['sdp'])
    const after = candidateLines(sdp)
    count.rewritten += after
    count.dropped += before - after
    return { ...data, sdp }
  }
  return data
}

function candidateLines(sdp: string): number {
  return sdp.split(/\r?\n/).filter((line) => line.startsWith('a=candidate:')).length
}
