import { describe, expect, it } from 'vitest'
import { NetError } from '../../src/base/errors.js'
import { defaultNow } from '../../src/clock/local-clock.js'
import { fromDataChannel } from '../../src/transport/data-channel.js'
import { Session } from '../../src/session.js'
import { FakeDataChannel, wholeChunk } from '../helpers/fake-data-channel.js'
import { TimerLatenessProbe } from '../helpers/timer-lateness.js'

describe('the handshake deadline', () => {
  it('a peer that pings forever and never says hello: Session.open rejects with timeout within timeoutMs, and the channel closes', async () => {
    const heartbeatMs = 50
    const timeoutMs = 300
    const dc = new FakeDataChannel()
    const channel = fromDataChannel(dc)
    const lateness = new TimerLatenessProbe()
    // Every 10 ms a well-formed ping, so the peer is never silent; it never answers the hello.
    let id = 0
    const pinger = setInterval(() => dc.deliver(wholeChunk([1, id++, defaultNow()])), 10)
    try {
      const opening = Session.open(channel, { heartbeatMs, timeoutMs })
      // The deadline counts heartbeat ticks (each at most heartbeatMs, so a stalled loop does not
      // count as the peer's time): it fires on the first tick past timeoutMs, one beat of slack,
      // plus however long this process's timers ran late.
      const bound = (): number => timeoutMs + 2 * heartbeatMs + lateness.totalLatenessMs
      const outcome = await lateness.within(opening, bound)
      expect(outcome, `Session.open still pending after ${lateness.elapsedMs.toFixed(0)} ms (${id} pings)`).toMatchObject({ settled: true, ok: false })
      if (!outcome.settled || outcome.ok) return
      expect(outcome.error).toBeInstanceOf(NetError)
      expect(outcome.error).toMatchObject({ code: 'timeout', message: expect.stringMatching(/handshake did not complete within 300 ms/) })
      expect(outcome.atMs).toBeGreaterThanOrEqual(timeoutMs)
      expect(id, 'the peer pinged throughout').toBeGreaterThan(5)
      const reason = await channel.closed
      expect(reason.code).toBe('timeout')
      expect(dc.readyState).toBe('closed')
    } finally {
      clearInterval(pinger)
      lateness.stop()
    }
  })
})
