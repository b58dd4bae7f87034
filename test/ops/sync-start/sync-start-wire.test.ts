import { describe, expect, it } from 'vitest'
import { parseSyncStartMessage } from '../../../src/ops/sync-start/sync-start-wire.js'
import { pair, rejectionOf, type Pair } from './sync-start-helpers.js'
import { sessionCore } from '../../../src/session.js'

describe('a hostile peer', () => {
  /** The follower's side played by hand: raw messages on a `syncStart` port. */
  function rawFollower(p: Pair, key: string) {
    const port = sessionCore(p.follower).openPort<unknown, unknown>('syncStart', key, { parse: (m) => m, onMessage: () => {}, onClose: () => {} })
    return port
  }

  it.each([
    ['a "start" sent to the leader', [{ type: 'start', at: 0, payload: 1 }]],
    ['a second "ready"', [{ type: 'ready', payload: 1, delayMs: 5_000 }, { type: 'ready', payload: 1, delayMs: 0 }]],
    ['a message after its final one', [{ type: 'abort', reason: 'aborted' }, { type: 'done' }]],
    ['a malformed message', [{ type: 'ready', payload: 1, delayMs: -5 }]],
  ])('%s closes the session with NetError protocol', async (_name, messages) => {
    const p = await pair()
    const port = rawFollower(p, 'h')
    for (const m of messages) port.post(m)
    const leaderSide = p.leader.syncStart(() => 'ran', { key: 'h' })
    expect(await rejectionOf(leaderSide)).toMatchObject({ code: expect.stringMatching(/protocol|aborted/) })
    expect(await p.leader.closed).toMatchObject({ code: 'protocol' })
  })
})

describe('parseSyncStartMessage', () => {
  it('accepts the four messages and refuses anything else', () => {
    expect(parseSyncStartMessage({ type: 'ready', payload: undefined, delayMs: 0 })).toEqual({ type: 'ready', payload: undefined, delayMs: 0 })
    expect(parseSyncStartMessage({ type: 'start', at: 1.5, payload: [1] })).toEqual({ type: 'start', at: 1.5, payload: [1] })
    expect(parseSyncStartMessage({ type: 'done' })).toEqual({ type: 'done' })
    expect(parseSyncStartMessage({ type: 'abort', reason: 'late' })).toEqual({ type: 'abort', reason: 'late' })
    const bad: unknown[] = [
      null,
      [],
      'ready',
      { type: 'ready', payload: 1 },
      { type: 'ready', payload: 1, delayMs: -1 },
      { type: 'ready', payload: 1, delayMs: Number.NaN },
      { type: 'ready', payload: 1, delayMs: 1e12 },
      { type: 'start', at: Number.POSITIVE_INFINITY, payload: 1 },
      { type: 'start', at: '5', payload: 1 },
      { type: 'done', extra: 1 },
      { type: 'abort', reason: 'bored' },
      { type: 'go' },
      Object.create({ type: 'done' }),
    ]
    for (const raw of bad) expect(() => parseSyncStartMessage(raw), JSON.stringify(raw)).toThrow(expect.objectContaining({ code: 'protocol' }))
  })
})
