// A flood costs its sender the connection: a client over its messages/s or bytes/s allowance is
// closed with `rateLimited`, while the peer it flooded stays, hears `peer-left`, and pairs again.
import { afterEach, expect, it } from 'vitest'
import { DEFAULT_LIMITS } from '../../support/relay-limits.js'
import { RelayCloseCode } from '../../support/relay-messages.js'
import { expectJoined, pair, startRelay, within, type RelayClient, type RelayServer } from './relay-harness.js'

let server: RelayServer | undefined
afterEach(async () => {
  await server?.close()
  server = undefined
})

/** Sends `message` until the relay closes the socket, at most `max` times; returns how many went. */
async function floodUntilClosed(sender: RelayClient, message: string, max: number): Promise<number> {
  let sent = 0
  while (sender.isOpen && sent < max) {
    // Wait for each write, so the flood runs at the socket's pace and this process holds none of
    // it, then let I/O run, so a close from the relay is seen.
    await new Promise<void>((resolve) => sender.ws.send(message, () => resolve()))
    await new Promise((resolve) => setImmediate(resolve))
    sent += 1
  }
  return sent
}

/** The flooded peer is still there: a newcomer pairs with it and its signal arrives. */
async function expectRecipientUsable(recipient: RelayClient, room: string): Promise<void> {
  let msg = await recipient.next()
  while (msg.type === 'signal') msg = await recipient.next()
  expect(msg).toEqual({ type: 'peer-left' })
  expect(recipient.isOpen).toBe(true)
  const newcomer = server!.client(room)
  expect(await expectJoined(newcomer)).toEqual({ type: 'start', initiator: false, pairing: 2 })
  expect(await recipient.next()).toEqual({ type: 'start', initiator: true, pairing: 2 })
  newcomer.send({ type: 'signal', pairing: 2, data: { type: 'renegotiate', renegotiate: true } })
  expect(await recipient.next()).toEqual({ type: 'signal', pairing: 2, data: { type: 'renegotiate', renegotiate: true } })
}

it('a sender over the bytes/s limit is closed; the recipient stays and pairs again', async () => {
  server = await startRelay()
  const [flooder, recipient] = await pair(server, 'flood-bytes')
  const big = JSON.stringify({ type: 'signal', pairing: 1, data: 'x'.repeat(60 * 1024) })
  // 1,000 messages of 60 KiB is 60 MB: far past any bucket, and the loop's bound.
  const sent = await floodUntilClosed(flooder, big, 1000)
  const closed = await within(flooder.closed, 5000, 'the flooder closed')
  expect(closed.code).toBe(RelayCloseCode.rateLimited)
  // It got no further than its burst (plus what refilled while it sent) and a little in flight.
  expect(sent).toBeLessThan(1000)
  expect(sent * big.length).toBeGreaterThan(DEFAULT_LIMITS.bytes.burst)
  await expectRecipientUsable(recipient, 'flood-bytes')
})

it('a sender over the messages/s limit is closed; the recipient stays and pairs again', async () => {
  server = await startRelay()
  const [recipient, flooder] = await pair(server, 'flood-messages')
  const tiny = JSON.stringify({ type: 'signal', pairing: 1, data: 0 })
  const sent = await floodUntilClosed(flooder, tiny, 10_000)
  expect((await within(flooder.closed, 5000, 'the flooder closed')).code).toBe(RelayCloseCode.rateLimited)
  expect(sent).toBeLessThan(10_000)
  expect(sent).toBeGreaterThan(DEFAULT_LIMITS.messages.burst)
  await expectRecipientUsable(recipient, 'flood-messages')
})

it('the default limits let a real pairing through: an 8 KB offer and 60 candidates at once', async () => {
  server = await startRelay()
  const [a, b] = await pair(server, 'honest')
  const candidate = (i: number) => ({ type: 'candidate', candidate: { candidate: `candidate:${i} 1 udp 2122194687 127.0.0.1 ${5000 + i} typ host`, sdpMLineIndex: 0, sdpMid: '0' } })
  a.send({ type: 'signal', pairing: 1, data: { type: 'offer', sdp: `v=0\r\n${'a=x\r\n'.repeat(1600)}` } })
  for (let i = 0; i < 60; i++) a.send({ type: 'signal', pairing: 1, data: candidate(i) })
  expect((await b.next()).type).toBe('signal')
  for (let i = 0; i < 60; i++) expect(await b.next()).toEqual({ type: 'signal', pairing: 1, data: candidate(i) })
  expect(a.isOpen).toBe(true)
})
