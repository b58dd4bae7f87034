import { describe, expect, it } from 'vitest'
import { Session, type SessionOptions } from '../../../src/index.js'
import { dropInjector } from '../../helpers/drop-injector.js'
import { prng, randomInt, seedFromEnv } from '../../helpers/prng.js'

/**
 * Resumes that race the grace timer: after a cut, both sides try to resume around the moment
 * `graceMs` runs out. Whatever wins, the two sides must end the same way, and nothing may hang:
 * both open again with every pending exchange completed, or both closed with `timeout` and every
 * pending call settled (an exchange whose peer value had arrived resolves; the others reject
 * with `timeout`: a link lost for good cannot make both sides agree). Replay with `SEED=<seed>`.
 */
const GRACE_MS = 120
const RUNS = 24

const options: SessionOptions = { heartbeatMs: 50, timeoutMs: 1000, clockBurst: 2, resume: { graceMs: GRACE_MS } }

type Ending = { state: string; reason: string | undefined; exchanges: string[] }

async function run(seed: number): Promise<[Ending, Ending]> {
  const random = prng(seed)
  const injector = dropInjector({ random, latencyMs: randomInt(random, 0, 2) })
  const link = injector.link()
  const [a, b] = await Promise.all([Session.open(link.ends[0], { ...options, role: 'leader' }), Session.open(link.ends[1], { ...options, role: 'follower' })])
  const settle = (p: Promise<unknown>): Promise<string> => p.then((v) => `got ${String(v)}`, (err: unknown) => `rejected ${(err as { code?: string }).code}`)
  const exchanges = { a: [] as Promise<string>[], b: [] as Promise<string>[] }
  for (let i = 0; i < 3; i++) {
    exchanges.a.push(settle(a.exchange('a', { key: `x${i}` })))
    if (i < 2) exchanges.b.push(settle(b.exchange('b', { key: `x${i}` }))) // b's last one starts during the outage
  }
  link.cutAt(randomInt(random, 1, 3))
  await link.cut
  // Each side tries to resume at its own moment around the grace deadline.
  const attempts = (['a', 'b'] as const).map(async (side, i) => {
    const session = side === 'a' ? a : b
    await new Promise((resolve) => setTimeout(resolve, GRACE_MS * (0.6 + 0.8 * random())))
    if (side === 'b') exchanges.b.push(settle(b.exchange('b', { key: 'x2' })))
    return session.resume(fresh.ends[i]!).then(() => 'resumed', (err: unknown) => `refused ${(err as { code?: string }).code}`)
  })
  const fresh = injector.link()
  await Promise.all(attempts)
  // A side that resumed while its peer's grace ran out learns it when the new link closes, and
  // then waits out its own grace. A last exchange tells a live session from a doomed one.
  const settledBefore = { a: await Promise.all(exchanges.a), b: await Promise.all(exchanges.b) }
  const last = await Promise.all([settle(a.exchange('a', { key: 'last' })), settle(b.exchange('b', { key: 'last' }))])
  const bothLive = last[0] === 'got b' && last[1] === 'got a'
  const ends = await Promise.all(
    (['a', 'b'] as const).map(async (side) => {
      const session = side === 'a' ? a : b
      return { state: session.state, reason: bothLive ? undefined : (await session.closed).code, exchanges: settledBefore[side] }
    }),
  )
  await Promise.all([a.close(), b.close()])
  return [ends[0]!, ends[1]!]
}

describe('a resume racing the grace timer', () => {
  it(`ends the same way on both sides (${RUNS} seeded runs)`, { timeout: 60_000 }, async () => {
    const base = seedFromEnv()
    const outcomes = { resumed: 0, timedOut: 0 }
    for (let i = 0; i < RUNS; i++) {
      const seed = (base + i) >>> 0
      const [a, b] = await run(seed)
      const story = `SEED=${seed}: a ${JSON.stringify(a)}, b ${JSON.stringify(b)}`
      const resumed = a.state === 'open' && b.state === 'open' && a.exchanges.every((e) => e === 'got b') && b.exchanges.every((e) => e === 'got a')
      const settled = (e: Ending, peer: string): boolean => e.exchanges.every((x) => x === `got ${peer}` || x === 'rejected timeout')
      const timedOut = a.reason === 'timeout' && b.reason === 'timeout' && settled(a, 'b') && settled(b, 'a')
      expect(resumed || timedOut, story).toBe(true)
      outcomes[resumed ? 'resumed' : 'timedOut']++
    }
    console.log(`grace race from SEED=${base}: ${JSON.stringify(outcomes)}`)
  })
})
