import { describe, expect, it } from 'vitest'
import { memorySessions } from '../../helpers/session-pair.js'
import { prng, randomInt, seedFromEnv, type Random } from '../../helpers/prng.js'
import { sessionCore, type Session } from '../../../src/session.js'
import type { KeySpace } from '../../../src/key-space.js'
import type { Scope } from '../../../src/scope.js'

/** The scope tree both sides open: '' is the session's root key space. */
const PATHS = ['', 'a', 'b', 'a/x', 'b/x', 'a/x/y', 'a/x/y/a']
/** Explicit keys, the same in every scope. */
const KEYS = ['k1', 'k2', 'x']

interface Call {
  readonly path: string
  /** `#n`: the n-th default-key exchange in its scope; otherwise the explicit key. */
  readonly label: string
  readonly kind: 'exchange' | 'channel'
}

/** Opens PATHS on `session`, parents first. */
function openTree(session: Session): Map<string, KeySpace> {
  const spaces = new Map<string, KeySpace>([['', session]])
  for (const path of PATHS.slice(1)) {
    const at = path.lastIndexOf('/')
    const parent = spaces.get(at < 0 ? '' : path.slice(0, at))! as Session | Scope
    spaces.set(path, parent.scope(path.slice(at + 1)))
  }
  return spaces
}

/** Each scope's calls: default-key exchanges (their order within the scope matters), explicit keys, a channel. */
function plan(random: Random): Call[] {
  const calls: Call[] = []
  for (const path of PATHS) {
    const defaults = randomInt(random, 1, 4)
    for (let n = 1; n <= defaults; n++) calls.push({ path, label: `#${n}`, kind: 'exchange' })
    for (const key of KEYS) if (random() < 0.7) calls.push({ path, label: key, kind: 'exchange' })
    // (Not in the root: a closed channel frees its key a moment after close() resolves, and the
    // check below counts open operations; a scope is over only once its ports are free.)
    if (path !== '') calls.push({ path, label: 'chan', kind: 'channel' })
  }
  return calls
}

/** `calls` in a random global order that keeps each scope's default-key calls in their order. */
function interleave(random: Random, calls: Call[]): Call[] {
  const shuffled = [...calls]
  for (let i = shuffled.length - 1; i > 0; i--) {
    const j = randomInt(random, 0, i)
    ;[shuffled[i], shuffled[j]] = [shuffled[j]!, shuffled[i]!]
  }
  // Put each scope's default calls back in order, in the slots they landed in.
  for (const path of PATHS) {
    const slots = shuffled.flatMap((c, i) => (c.path === path && c.label.startsWith('#') ? [i] : []))
    const ordered = slots.map((i) => shuffled[i]!).sort((x, y) => Number(x.label.slice(1)) - Number(y.label.slice(1)))
    slots.forEach((slot, i) => (shuffled[slot] = ordered[i]!))
  }
  return shuffled
}

/** Runs one side's calls in its order, yielding a random number of tasks between them; resolves with what each got. */
async function runSide(side: string, spaces: Map<string, KeySpace>, calls: Call[], random: Random): Promise<Map<string, unknown>> {
  const got = new Map<string, unknown>()
  const pending: Promise<void>[] = []
  for (const call of calls) {
    const space = spaces.get(call.path)!
    const mine = `${side}|${call.path}|${call.label}`
    const id = `${call.path}|${call.label}`
    if (call.kind === 'channel') {
      const channel = space.channel<string>('chan')
      pending.push(
        (async () => {
          await channel.send(mine)
          const next = await channel[Symbol.asyncIterator]().next()
          got.set(id, next.value)
          await channel.close()
        })(),
      )
    } else {
      const options = call.label.startsWith('#') ? {} : { key: call.label }
      pending.push(space.exchange<string>(mine, options).then((theirs) => void got.set(id, theirs)))
    }
    for (let t = randomInt(random, 0, 2); t > 0; t--) await new Promise((resolve) => setTimeout(resolve, 0))
  }
  await Promise.all(pending)
  return got
}

describe('scoped key spaces under random interleavings', () => {
  const seed = seedFromEnv()
  const RUNS = 12

  it(`the same keys in nested scopes on both sides never pair across scopes (SEED=${seed}, ${RUNS} runs)`, async () => {
    console.log(`scope interleavings: SEED=${seed}`)
    for (let run = 0; run < RUNS; run++) {
      const random = prng(seed + run)
      const pair = await memorySessions({ latencyMs: randomInt(random, 0, 3), jitterMs: randomInt(random, 0, 2), random: prng(seed + run + 1000) })
      const calls = plan(random)
      const leaderSpaces = openTree(pair.leader)
      const followerSpaces = openTree(pair.follower)
      const [leaderGot, followerGot] = await Promise.all([
        runSide('L', leaderSpaces, interleave(random, calls), random),
        runSide('F', followerSpaces, interleave(random, calls), random),
      ])
      for (const call of calls) {
        const id = `${call.path}|${call.label}`
        expect(leaderGot.get(id), `run ${run}: the leader's ${id}`).toBe(`F|${id}`)
        expect(followerGot.get(id), `run ${run}: the follower's ${id}`).toBe(`L|${id}`)
      }
      // Children first on one side, parents first on the other: every scope ends on both sides.
      const closing = [...PATHS.slice(1)].reverse().map((p) => (leaderSpaces.get(p) as Scope).close())
      closing.push(...PATHS.slice(1).map((p) => (followerSpaces.get(p) as Scope).close()))
      await Promise.all(closing)
      for (const session of [pair.leader, pair.follower]) {
        expect(sessionCore(session).scopes.size, `run ${run}: scopes left`).toBe(0)
        expect(session.stats).toMatchObject({ openOperations: 0, heldMessages: 0, heldBytes: 0 })
      }
      await pair.close()
    }
  })
})
