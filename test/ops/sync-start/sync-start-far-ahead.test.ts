import { describe, expect, it } from 'vitest'
import { defaultNow } from '../../../src/clock/local-clock.js'
import { startLeadMs } from '../../../src/ops/sync-start/sync-start-lead.js'
import { MAX_DELAY_MS } from '../../../src/ops/sync-start/sync-start-wire.js'
import { sessionCore } from '../../../src/session.js'
import { openRawVictim, type RawVictim } from '../../helpers/fake-data-channel.js'

/** The victim (follower) calls syncStart; the hand-written leader answers `start` at `lead` ms ahead. */
async function startAhead(lead: number): Promise<{ victim: RawVictim; call: Promise<unknown> }> {
  const victim = await openRawVictim({ heartbeatMs: 1000, timeoutMs: 10_000 })
  const readySeen = new Promise<void>((resolve) => {
    victim.onFrame = (frame) => {
      // [portFirst, key, 'syncStart', [ready, payload, delayMs]]
      if (frame[0] !== 5 || frame[2] !== 'syncStart') return
      victim.send([5, frame[1], 'syncStart', [1, defaultNow() + lead, null]])
      resolve()
    }
  })
  const call = victim.session.syncStart(() => 'started', { key: 's' })
  call.catch(() => {})
  await readySeen
  await victim.settled()
  return { victim, call }
}

describe('a follower refuses a start further ahead than a leader schedules', () => {
  it('a start 1e12 ms ahead closes the session with protocol', async () => {
    const { victim, call } = await startAhead(1e12)
    const reason = sessionCore(victim.session).closedReason
    expect(reason?.code, 'the follower accepted the start and waits for it').toBe('protocol')
    expect(reason?.message).toMatch(/start \d+ ms ahead/)
    await expect(call).rejects.toMatchObject({ code: 'protocol' })
  })

  it('a start a day and a minute ahead is refused too; one just under a day is accepted', async () => {
    const far = await startAhead(MAX_DELAY_MS + 60_000)
    expect(sessionCore(far.victim.session).closedReason?.code).toBe('protocol')
    const near = await startAhead(MAX_DELAY_MS - 60_000)
    expect(near.victim.session.isClosed).toBe(false)
    await near.victim.session.close()
    await expect(near.call).rejects.toMatchObject({ code: 'closed' })
  })

  it('the leader never schedules further ahead than that (the same constant)', () => {
    const clock = { rttMs: 1e9, recentDelayMs: 1e9 }
    expect(startLeadMs(clock, MAX_DELAY_MS, MAX_DELAY_MS)).toBe(MAX_DELAY_MS)
    expect(startLeadMs({ rttMs: 1, recentDelayMs: 0 }, 50, 10)).toBe(50)
  })
})
