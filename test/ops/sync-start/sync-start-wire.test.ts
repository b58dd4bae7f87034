import { describe, expect, it } from 'vitest'
import { encodeSyncStartMessage, parseSyncStartMessage, type SyncStartMessage } from '../../../src/ops/sync-start/sync-start-wire.js'
import { pair } from './sync-start-helpers.js'
import { rejectionOf } from '../../helpers/promises.js'
import { rawPeer } from '../../helpers/session-probes.js'

describe('a hostile peer', () => {
  const wire = (...messages: SyncStartMessage[]): unknown[][] => messages.map(encodeSyncStartMessage)

  it.each([
    ['a "start" sent to the leader', wire({ type: 'start', at: 0, payload: 1 })],
    ['a second "ready"', wire({ type: 'ready', payload: 1, delayMs: 5_000 }, { type: 'ready', payload: 1, delayMs: 0 })],
    ['a message after its final one', wire({ type: 'abort', reason: 'aborted' }, { type: 'done' })],
    ['a malformed message', wire({ type: 'ready', payload: 1, delayMs: -5 })],
    ['a message in the map form of protocol version 2', [{ type: 'ready', payload: 1, delayMs: 5_000 }]],
  ])('%s closes the session with NetError protocol', async (_name, messages) => {
    const p = await pair()
    // The follower's side played by hand: raw messages on a `syncStart` port.
    const send = rawPeer(p.follower, 'syncStart', 'h')
    for (const m of messages) send(m)
    const leaderSide = p.leader.syncStart(() => 'ran', { key: 'h' })
    expect(await rejectionOf(leaderSide)).toMatchObject({ code: expect.stringMatching(/protocol|aborted/) })
    expect(await p.leader.closed).toMatchObject({ code: 'protocol' })
  })
})

describe('parseSyncStartMessage', () => {
  it('round-trips the four messages as tagged arrays and refuses anything else', () => {
    const valid: SyncStartMessage[] = [
      { type: 'ready', payload: undefined, delayMs: 0 },
      { type: 'start', at: 1.5, payload: [1] },
      { type: 'done' },
      { type: 'abort', reason: 'late' },
    ]
    for (const message of valid) {
      expect(Array.isArray(encodeSyncStartMessage(message))).toBe(true)
      expect(parseSyncStartMessage(encodeSyncStartMessage(message))).toEqual(message)
    }
    const bad: unknown[] = [
      null,
      [],
      'ready',
      [0, 1],
      [0, 1, -1],
      [0, 1, Number.NaN],
      [0, 1, 1e12],
      [0, 1, '5'],
      [1, Number.POSITIVE_INFINITY, 1],
      [1, '5', 1],
      [2, 'extra'],
      [3, 'bored'],
      [3],
      [4],
      ['0', 1, 0],
      { type: 'done' }, // the map form of protocol version 2
    ]
    for (const raw of bad) expect(() => parseSyncStartMessage(raw), JSON.stringify(raw)).toThrow(expect.objectContaining({ code: 'protocol' }))
  })
})
