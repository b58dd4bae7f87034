/**
 * The close handshake: a closing session keeps its channel open until the peer answers its `bye`,
 * so the `bye` (and whatever went before it) is never lost to a transport that drops what arrives
 * together with a close. node-datachannel does: it hands a channel's messages and its close to
 * JavaScript through separate queues and discards the queued messages when the close goes first.
 */
import { describe, expect, it } from 'vitest'
import { memoryPair, Session } from '../../src/index.js'
import { nodeDataChannelPair } from '../helpers/webrtc-pair.js'
import { FAST_TIMEOUT } from '../ops/one-shot/op-helpers.js'

function busyFor(ms: number): void {
  const end = performance.now() + ms
  while (performance.now() < end) {
    // The receiver's thread is busy while its transport takes in the bye and the close.
  }
}

interface PolyfillChannel {
  send(data: Uint8Array): void
  close(): void
}

describe('closing a session over node-datachannel', () => {
  it('the peer reads the bye even when the bye and the close would reach it in one go', async () => {
    for (let round = 0; round < 3; round++) {
      const pair = await nodeDataChannelPair()
      try {
        const [leader, follower] = await Promise.all([
          Session.open(pair.a, { ...FAST_TIMEOUT, role: 'leader' }),
          Session.open(pair.b, { ...FAST_TIMEOUT, role: 'follower' }),
        ])
        // Pin the race: the polyfill closes natively on a setImmediate, so the bye is sent on one
        // queued just before it, and the thread stays busy while both reach the follower's side.
        // A session that closes right after its bye then loses it, nearly every time.
        const dc = pair.raw.dcA as unknown as PolyfillChannel
        const [send, close] = [dc.send.bind(dc), dc.close.bind(dc)]
        dc.send = (data) => void setImmediate(() => send(data))
        dc.close = () => {
          close()
          setImmediate(() => busyFor(50))
        }
        await leader.close()
        expect(await follower.closed, `round ${round}`).toMatchObject({ code: 'closed', message: 'the peer closed the session' })
        expect(await pair.a.closed).toBe(await leader.closed)
      } finally {
        await pair.close()
      }
    }
  })
})

describe('the close handshake over a memory pair', () => {
  it('both sides closing at once: each closes on the other bye, with its own reason', async () => {
    const [a, b] = memoryPair({ latencyMs: 2 })
    const [leader, follower] = await Promise.all([
      Session.open(a, { ...FAST_TIMEOUT, role: 'leader' }),
      Session.open(b, { ...FAST_TIMEOUT, role: 'follower' }),
    ])
    await Promise.all([leader.close(), follower.close()])
    for (const [session, end] of [
      [leader, a],
      [follower, b],
    ] as const) {
      const reason = await session.closed
      expect(reason).toMatchObject({ code: 'closed', message: 'the session was closed locally' })
      expect(await end.closed).toBe(reason)
    }
  })

  it('the answering side leaves the closing to the side that said bye first', async () => {
    const [a, b] = memoryPair({ latencyMs: 2 })
    const [leader, follower] = await Promise.all([
      Session.open(a, { ...FAST_TIMEOUT, role: 'leader' }),
      Session.open(b, { ...FAST_TIMEOUT, role: 'follower' }),
    ])
    await leader.close()
    expect(await a.closed).toBe(await leader.closed)
    expect(await follower.closed).toMatchObject({ code: 'closed', message: 'the peer closed the session' })
    expect(await b.closed).toMatchObject({ code: 'closed', message: 'the peer closed the channel' })
  })

  it('a peer that never answers is not waited for past timeoutMs', async () => {
    const [a, b] = memoryPair({ latencyMs: 2 })
    const [leader, follower] = await Promise.all([
      Session.open(a, { ...FAST_TIMEOUT, role: 'leader' }),
      Session.open(b, { ...FAST_TIMEOUT, role: 'follower' }),
    ])
    b.pause() // the follower reads nothing more, so it never answers
    await leader.close()
    expect(await a.closed).toMatchObject({ code: 'closed', message: 'the session was closed locally' })
    b.resume()
    expect((await follower.closed).code).toBe('closed')
  })
})
