/**
 * Child process of ws-stalled-exit.test.ts: opens a netbeam session over a `ws` client to the
 * URL in argv[2] and reports on stdout when it is open and when it closed, then simply returns;
 * the parent measures how long the process then takes to exit. With argv[3] `control` it only
 * reports `closed` (the cost of exiting, for the bound).
 */
import { WebSocket } from 'ws'
import { Session } from '../../src/session.js'
import { fromWebSocket } from '../../src/transport/websocket.js'

const [url, mode] = process.argv.slice(2)
if (mode === 'control') {
  console.log('closed control')
} else {
  const session = await Session.open(fromWebSocket(new WebSocket(url!)), { heartbeatMs: 50, timeoutMs: 400, clockBurst: 2 })
  console.log('open')
  const reason = await session.closed
  console.log(`closed ${reason.code}`)
}
