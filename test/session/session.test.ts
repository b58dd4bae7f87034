import { describe, expect, it } from 'vitest'
import { memoryPair } from '../../src/channel/memory.js'
import { Session } from '../../src/session/session.js'

describe('Session', () => {
  it('opens over a memory pair and agrees on roles', async () => {
    const [a, b] = memoryPair({ latencyMs: 1 })
    const [sa, sb] = await Promise.all([Session.open(a), Session.open(b)])
    expect(sa.isLeader).not.toBe(sb.isLeader)
    expect(sa.clock.samples).toBeGreaterThan(0)
    await sa.close()
    const reason = await sb.closed
    expect(reason.code).toBe('closed')
  })
})
