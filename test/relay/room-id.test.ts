// Invite links carry room ids nobody can guess: 128 random bits, and a scanner that tries every
// readable room name (the demo's labels) pairs with nobody and is soon refused by the relay.
import { afterEach, describe, expect, it } from 'vitest'
import { ROOM_NAME_WORDS } from '../../demo/room-name.js'
import { DEFAULT_LIMITS } from '../../support/relay-limits.js'
import { newRoomId, ROOM_NAME } from '../../support/room-id.js'
import { RelayCloseCode } from '../../support/relay-messages.js'
import { expectJoined, startRelay, within, type RelayServer } from './relay-harness.js'

const IDS = 4000
const MIN_BITS = 96

describe('room ids', () => {
  it('carry at least 96 random bits: every bit of every id varies independently of the others', () => {
    const ids = Array.from({ length: IDS }, () => newRoomId())
    expect(new Set(ids).size).toBe(IDS)
    const ones: number[] = []
    for (const id of ids) {
      expect(id).toMatch(ROOM_NAME)
      const bytes = Buffer.from(id, 'base64url')
      // Canonical base64url of whole bytes: nothing in the id is padding or decoration.
      expect(bytes.toString('base64url')).toBe(id)
      expect(bytes.length * 8).toBeGreaterThanOrEqual(MIN_BITS)
      bytes.forEach((byte, i) => {
        for (let bit = 0; bit < 8; bit++) ones[i * 8 + bit] = (ones[i * 8 + bit] ?? 0) + ((byte >> bit) & 1)
      })
    }
    // A fair bit is set in half the ids, give or take 1.6 % (one standard deviation at 4000 ids):
    // 42-58 % is ten deviations, so a real random bit never fails it, and a fixed one always does.
    expect(ones.length).toBeGreaterThanOrEqual(MIN_BITS)
    for (const [bit, count] of ones.entries()) {
      expect(count / IDS, `bit ${bit}`).toBeGreaterThan(0.42)
      expect(count / IDS, `bit ${bit}`).toBeLessThan(0.58)
    }
  })
})

describe('a room-name scanner', () => {
  let server: RelayServer | undefined
  afterEach(async () => {
    await server?.close()
    server = undefined
  })

  it('tries every readable name, pairs with nobody, and is refused after its join allowance', async () => {
    server = await startRelay({}, true)
    const victim = server.client(newRoomId(), '192.0.2.1')
    expect(await expectJoined(victim)).toEqual({ type: 'waiting' })

    const names = ROOM_NAME_WORDS.flatMap((a) => ROOM_NAME_WORDS.flatMap((b) => Array.from({ length: 100 }, (_, n) => `${a}-${b}-${n}`)))
    const started = performance.now()
    let attempts = 0
    let outcome = 'ran out of names'
    for (const name of names) {
      attempts += 1
      const probe = server.client(name, '198.51.100.7')
      const first = await probe.next()
      const second = first.type === 'joined' ? await probe.next() : first
      probe.ws.close()
      await within(probe.closed, 5000, 'scanner socket close')
      if (second.type === 'waiting') continue
      outcome = second.type === 'error' && probe.closeCode === RelayCloseCode.tooManyJoins ? 'refused' : `got ${JSON.stringify(second)}`
      break
    }
    const seconds = (performance.now() - started) / 1000
    expect(outcome).toBe('refused')
    // The allowance: the burst, plus what refilled while the scan ran, plus the refused attempt.
    const { burst, perSecond } = DEFAULT_LIMITS.joins
    expect(attempts).toBeGreaterThan(burst)
    expect(attempts).toBeLessThanOrEqual(burst + Math.ceil(perSecond * seconds) + 1)
    // The waiting player heard nothing and is still in its room.
    expect(victim.queued).toEqual([])
    expect(victim.isOpen).toBe(true)
  })
})
