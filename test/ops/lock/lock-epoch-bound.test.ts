import { describe, expect, it } from 'vitest'
import { fromDataChannel } from '../../../src/transport/data-channel.js'
import { MAX_PEER_EPOCH } from '../../../src/ops/lock/lock-wire.js'
import { Session } from '../../../src/session.js'
import { fakeDataChannelLink } from '../../helpers/fake-data-channel.js'

/**
 * Two real sessions over fake DataChannels joined by a link that rewrites the fencing epoch of
 * every lock token the leader (the attacker) hands over to `epoch`; the follower (the victim)
 * then takes the mutex four times in a row.
 */
async function grantsAfterToken(epoch: number): Promise<{ epochs: number[]; error: unknown; victim: Session }> {
  const link = fakeDataChannelLink((frame, from) => {
    // A lock message on a port: [4, key, message] or [5, key, kind, message]; a token is [3, id, epoch, …].
    const message = frame[0] === 4 ? frame[2] : frame[0] === 5 ? frame[3] : undefined
    if (from === 'a' && Array.isArray(message) && message[0] === 3) message[2] = epoch
    return frame
  })
  const quiet = { heartbeatMs: 1000, timeoutMs: 10_000, clockBurst: 1 }
  const [attacker, victim] = await Promise.all([
    Session.open(fromDataChannel(link.a), { ...quiet, role: 'leader' }),
    Session.open(fromDataChannel(link.b), { ...quiet, role: 'follower' }),
  ])
  attacker.mutex('m')
  const mutex = victim.mutex('m')
  const epochs: number[] = []
  let error: unknown
  try {
    for (let i = 0; i < 4; i++) {
      const guard = await mutex.lock()
      epochs.push(guard.epoch)
      await guard.release()
    }
  } catch (err) {
    error = err
  }
  await Promise.all([attacker.close(), victim.close()])
  return { epochs, error, victim }
}

describe('the fencing epoch never saturates', () => {
  it('a token with epoch 2^53 − 1: the victim closes with protocol, or every grant is larger than the last', async () => {
    const { epochs, error, victim } = await grantsAfterToken(2 ** 53 - 1)
    for (let i = 1; i < epochs.length; i++) expect(epochs[i], `grants ${epochs.join(', ')}`).toBeGreaterThan(epochs[i - 1]!)
    // No grant is allowed to reach where numbers stop growing by one.
    for (const e of epochs) expect(Number.isSafeInteger(e + 1), `grant epoch ${e}`).toBe(true)
    expect(epochs.length === 4 || (error as { code?: string } | undefined)?.code === 'protocol').toBe(true)
    expect((await victim.closed).code).toBe(epochs.length === 4 ? 'closed' : 'protocol')
  })

  it(`a token with the largest epoch a peer may send (2^52): the next grants grow by one`, async () => {
    const { epochs, error } = await grantsAfterToken(MAX_PEER_EPOCH)
    expect(error).toBeUndefined()
    expect(epochs).toEqual([MAX_PEER_EPOCH + 1, MAX_PEER_EPOCH + 2, MAX_PEER_EPOCH + 3, MAX_PEER_EPOCH + 4])
  })
})
