/**
 * A burst of heavy loss during a bulk transfer: 20 % of datagrams lost for 2 s on a 20 ms ± 5 ms
 * path (2 % loss before and after), over node-datachannel through the relay. SCTP recovers; the
 * transfer must arrive byte-exact and the session must stay open.
 */
import { createHash } from 'node:crypto'
import { afterEach, expect, it } from 'vitest'
import { LOSSY_PATH } from '../helpers/lossy-pair.js'
import { prng, seedFromEnv } from '../helpers/prng.js'
import { lossySessions, type LossySessions } from './lossy-sessions.js'

const seed = seedFromEnv()
console.log(`loss burst during bulk transfer: SEED=${seed}`)
const MESSAGES = 48
const MESSAGE_BYTES = 16 * 1024
const BURST = { loss: 0.2, ms: 2000 }

let open: LossySessions | undefined
afterEach(async () => {
  await open?.close()
  open = undefined
})

it('20 % loss for 2 s in the middle of a bulk transfer: every byte arrives once, in order, and the session stays open', async () => {
  const s = (open = await lossySessions(LOSSY_PATH, seed))
  const random = prng(seed)
  const messages = Array.from({ length: MESSAGES }, () => Uint8Array.from({ length: MESSAGE_BYTES }, () => Math.floor(random() * 256)))
  const sent = createHash('sha256')
  for (const m of messages) sent.update(m)
  const [out, inn] = [s.leader.channel<Uint8Array>('bulk'), s.follower.channel<Uint8Array>('bulk')]

  let arrived = 0
  let arrivedWhenBurstEnded = -1
  let burstStarted!: () => void
  const burstStart = new Promise<void>((resolve) => (burstStarted = resolve))
  const received = createHash('sha256')
  const receiving = (async () => {
    for await (const m of inn) {
      received.update(m)
      if (++arrived === MESSAGES / 8) burstStarted()
    }
  })()
  const sending = (async () => {
    for (const m of messages) await out.send(m)
    await out.close()
  })()
  // The burst starts once an eighth has arrived, so it lands in the middle of the transfer.
  await burstStart
  const lostBefore = s.frames.path.stats.lost
  s.frames.path.setPath({ loss: BURST.loss })
  await new Promise((resolve) => setTimeout(resolve, BURST.ms)) // the burst's length, not a fence
  s.frames.path.setPath({ loss: LOSSY_PATH.loss })
  arrivedWhenBurstEnded = arrived
  const lostInBurst = s.frames.path.stats.lost - lostBefore
  await Promise.all([sending, receiving])
  console.log(`burst lost ${lostInBurst} datagrams; ${arrivedWhenBurstEnded} of ${MESSAGES} messages had arrived when it ended`)

  expect(lostInBurst, 'datagrams lost during the burst').toBeGreaterThan(0)
  expect(arrivedWhenBurstEnded, 'the transfer was still running when the burst ended').toBeLessThan(MESSAGES)
  expect(arrived).toBe(MESSAGES)
  expect(received.digest('hex')).toBe(sent.digest('hex'))
  expect(s.closedWith).toEqual({})
})
