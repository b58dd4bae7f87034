import { describe, expect, it } from 'vitest'
import { createFrameChannel } from '../../../src/transport/framed-channel.js'
import type { RawTransport, RawTransportSink } from '../../../src/transport/raw-transport.js'
import type { FrameChannel } from '../../../src/transport/frame-channel.js'
import { openSessions } from '../../helpers/session-pair.js'

const CHUNK = 16 * 1024
const OPTIONS = { chunkBytes: CHUNK, highWaterBytes: 4 * CHUNK, lowWaterBytes: CHUNK }

/**
 * Two frame channels over a raw link that delivers each transport message a task later and
 * counts what is in flight as buffered, so the sender's pump waits for drain as on a real
 * channel. `log` lists every transport message the first side sent, in wire order.
 */
function tappedPair(): { channels: [FrameChannel, FrameChannel]; log: Uint8Array[] } {
  const log: Uint8Array[] = []
  const sinks: RawTransportSink[] = []
  const make = (side: 0 | 1) =>
    createFrameChannel((sink) => {
      sinks[side] = sink
      let buffered = 0
      const drained = new Set<() => void>()
      const raw: RawTransport = {
        send(data) {
          const copy = data.slice()
          if (side === 0) log.push(copy)
          buffered += copy.length
          setTimeout(() => {
            buffered -= copy.length
            sinks[1 - side]!.message(copy)
            for (const wake of drained) wake()
          }, 0)
        },
        get bufferedAmount() {
          return buffered
        },
        waitForDrain: (low) =>
          new Promise<void>((resolve) => {
            const wake = (): void => {
              if (buffered > low) return
              drained.delete(wake)
              resolve()
            }
            drained.add(wake)
            wake()
          }),
        close() {},
      }
      return raw
    }, OPTIONS)
  return { channels: [make(0), make(1)], log }
}

/** Where `needle` (ASCII) occurs in `bytes`. */
function contains(bytes: Uint8Array, needle: string): boolean {
  return Buffer.from(bytes).includes(Buffer.from(needle))
}

describe('flow control between scopes', () => {
  it('a stalled channel and a large value in one scope delay another scope by at most one chunk', async () => {
    const { channels, log } = tappedPair()
    const pair = await openSessions(channels, { leader: { maxFrameBytes: 16 << 20 }, follower: { maxFrameBytes: 16 << 20 } })
    const [bulkL, bulkF] = [pair.leader.scope('bulk'), pair.follower.scope('bulk')]
    const [chatL, chatF] = [pair.leader.scope('chatty'), pair.follower.scope('chatty')]
    // The follower never reads: after two 1 MiB values the leader's third send stalls on credit.
    const channel = bulkL.channel<Uint8Array>('files', { window: 2 })
    bulkF.channel<Uint8Array>('files', { window: 2 })
    const sends = [1, 2, 3].map(() => channel.send(new Uint8Array(1 << 20)))
    sends.forEach((s) => s.catch(() => undefined))
    for (let round = 0; round < 5; round++) {
      const before = log.length
      const [mine, theirs] = await Promise.all([chatL.exchange(`ping-${round}`), chatF.exchange(`pong-${round}`)])
      expect([mine, theirs]).toEqual([`pong-${round}`, `ping-${round}`])
      const at = log.findIndex((m, i) => i >= before && contains(m, `ping-${round}`))
      const chunksAhead = log.slice(before, at).filter((m) => m.length > CHUNK / 2).length
      expect(chunksAhead, `round ${round}: bulk chunks sent ahead of the chatty scope's message`).toBeLessThanOrEqual(1)
    }
    // The bulk values were still on their way (or stalled) meanwhile.
    expect(log.filter((m) => m.length > CHUNK / 2).length).toBeLessThan((2 << 20) / CHUNK)
    await Promise.all([chatL.close(), chatF.close(), bulkL.reset('done'), bulkF.closed])
    await pair.close()
  })
})
