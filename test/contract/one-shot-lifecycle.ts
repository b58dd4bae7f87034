/**
 * The lifecycle every one-shot operation (join, tryJoin, select, trySelect, exchange) must show,
 * as a vitest suite each kind runs: `oneShotLifecycle(kind, pairs)`. What the operations resolve
 * to differs by kind ({@link OneShotKind.expectCompleted}); how they pair calls, refuse misuse,
 * abort, and end when the session ends does not. Kind-specific behaviour (select's winner,
 * tryJoin's fail-fast, exchange's values) is tested in test/ops/one-shot/.
 */
import { describe, expect, it } from 'vitest'
import type { OpOptions } from '../../src/core/op-host.js'
import type { Session } from '../../src/session.js'
import { rejectionOf, stateOf } from '../helpers/promises.js'
import { delivered, expectKeyFree, messagesFor } from '../helpers/session-probes.js'
import { FAST_TIMEOUT, manualTask, type ManualTask, type MemoryPair } from '../ops/one-shot/op-helpers.js'

export type OneShotName = 'join' | 'tryJoin' | 'select' | 'trySelect' | 'exchange'

/** What one side contributes: a value it has at once, or (kinds that run work) a task the test settles. */
export type Work = { readonly value: unknown } | { readonly task: ManualTask<unknown> }

/** One one-shot kind as the contract drives it. */
export interface OneShotKind {
  readonly name: OneShotName
  /** True when the kind runs a function (all but exchange): the rules about its signal apply. */
  readonly runsWork: boolean
  /** Another kind, to use on the same key on the peer (a protocol error). */
  readonly other: OneShotName
  /** Starts one side. Exchange is never given a task. */
  start(session: Session, work: Work, options?: OpOptions): Promise<unknown>
  /** Checks what a completed pair resolved to, given the values the two sides put in. */
  expectCompleted(results: readonly [unknown, unknown], values: readonly [unknown, unknown]): void
}

/** Makes a fresh session pair, closed by the caller's afterEach. */
export type MakePair = (options?: Parameters<typeof import('../helpers/session-pair.js').memorySessions>[1]) => Promise<MemoryPair>

/** Starts `name` on `session` with `work` (used for {@link OneShotKind.other}). */
export function startKind(name: OneShotName, session: Session, work: Work, options?: OpOptions): Promise<unknown> {
  const fn = 'task' in work ? work.task.fn : () => work.value
  switch (name) {
    case 'exchange':
      if ('task' in work) throw new Error('exchange runs no work')
      return session.exchange(work.value, options)
    case 'join':
    case 'tryJoin':
    case 'select':
    case 'trySelect':
      return session[name](fn, options)
  }
}

/** A side that does not complete until the test says so or the peer acts. */
interface Waiting {
  readonly result: Promise<unknown>
  /** Its work, for kinds that run work. */
  readonly task: ManualTask<unknown> | undefined
}

export function oneShotLifecycle(kind: OneShotKind, pair: MakePair): void {
  /** Exchange waits by being called before the peer; the others also run work that never ends. */
  const waiting = (session: Session, options?: OpOptions): Waiting => {
    const task = kind.runsWork ? manualTask<unknown>() : undefined
    return { result: kind.start(session, task ? { task } : { value: 'waiting' }, options), task }
  }

  describe(`${kind.name}: one-shot lifecycle`, () => {
    it('completes on both sides with 2 messages and frees its key', async () => {
      const p = await pair()
      const results = await Promise.all([kind.start(p.leader, { value: 'L' }, { key: 'k' }), kind.start(p.follower, { value: 'F' }, { key: 'k' })])
      kind.expectCompleted([results[0], results[1]], ['L', 'F'])
      expect(messagesFor(p, 'k')).toBe(2)
      await expectKeyFree(p, 'k')
    })

    it('waits for a peer that calls late, and pairs calls without keys by call order', async () => {
      const p = await pair()
      const leader = [1, 2, 3].map((value) => kind.start(p.leader, { value }))
      await delivered(p)
      expect(await Promise.all(leader.map((call) => stateOf(call)))).toEqual(['pending', 'pending', 'pending'])
      const follower = ['a', 'b', 'c'].map((value) => kind.start(p.follower, { value }))
      const results = await Promise.all([...leader, ...follower])
      for (let i = 0; i < 3; i++) kind.expectCompleted([results[i], results[3 + i]], [i + 1, 'abc'[i]])
      expect([1, 2, 3].map((n) => messagesFor(p, `${kind.name}#${n}`))).toEqual([2, 2, 2])
    })

    it('an already aborted signal rejects at once without running the work, and the peer settles with NetError aborted', async () => {
      const p = await pair()
      const task = manualTask<unknown>()
      const work = kind.runsWork ? { task } : { value: 1 }
      await rejectionOf(kind.start(p.leader, work, { key: 'a', signal: AbortSignal.abort() }), 'aborted')
      expect(task.calls).toBe(0)
      const theirs = await rejectionOf(kind.start(p.follower, { value: 2 }, { key: 'a' }), 'aborted')
      expect(theirs.message).toMatch(/aborted by the peer/)
      expect(messagesFor(p, 'a')).toBe(2)
      await expectKeyFree(p, 'a')
    })

    it('an abort after the peer completed (its message waiting here) settles both sides with NetError aborted', async () => {
      const p = await pair()
      const theirs = rejectionOf(kind.start(p.follower, { value: 7 }, { key: 'a' }), 'aborted')
      await delivered(p)
      const work = kind.runsWork ? { task: manualTask<unknown>() } : { value: 1 }
      const cause = new Error('user gave up')
      expect(await rejectionOf(kind.start(p.leader, work, { key: 'a', signal: AbortSignal.abort(cause) }), 'aborted')).toMatchObject({ cause })
      await theirs
      expect(messagesFor(p, 'a')).toBe(2)
      await expectKeyFree(p, 'a')
    })

    if (kind.runsWork) it('an abort while both sides run rejects at once; the peer settles with NetError aborted and both works are aborted', async () => {
      const p = await pair()
      const controller = new AbortController()
      const mine = waiting(p.leader, { key: 'a', signal: controller.signal })
      const theirs = waiting(p.follower, { key: 'a' })
      controller.abort()
      // Neither work ever settles: nothing may wait for them.
      await rejectionOf(mine.result, 'aborted')
      expect(mine.task?.signal?.aborted).toBe(true)
      expect((await rejectionOf(theirs.result, 'aborted')).message).toMatch(/aborted by the peer/)
      expect(theirs.task?.signal?.aborted).toBe(true)
      expect(messagesFor(p, 'a')).toBe(2)
      await expectKeyFree(p, 'a')
    })

    it('the peer session closing mid-operation rejects with NetError closed, aborts the work, and a closed session refuses at once', async () => {
      const p = await pair()
      const mine = waiting(p.leader, { key: 'c' })
      const theirs = kind.runsWork ? waiting(p.follower, { key: 'c' }) : undefined
      const closing = [rejectionOf(mine.result, 'closed'), theirs && rejectionOf(theirs.result, 'closed')]
      await p.follower.close()
      const [here, there] = await Promise.all(closing)
      expect(here?.message).toMatch(/peer closed/)
      if (there) expect(there.message).toMatch(/closed locally/)
      for (const side of [mine, theirs]) if (side?.task) expect(side.task.signal?.aborted).toBe(true)
      await rejectionOf(kind.start(p.follower, { value: 1 }, { key: 'c' }), 'closed')
      await rejectionOf(kind.start(p.leader, { value: 1 }), 'closed')
    })

    it('a severed channel rejects both sides with NetError timeout (heartbeat)', async () => {
      const p = await pair({ leader: FAST_TIMEOUT, follower: FAST_TIMEOUT })
      p.leaderEnd.sever()
      const mine = waiting(p.leader, { key: 'c' })
      await Promise.all([rejectionOf(mine.result, 'timeout'), rejectionOf(kind.start(p.follower, { value: 1 }, { key: 'c' }), 'timeout')])
      if (mine.task) expect(mine.task.signal?.aborted).toBe(true)
    })

    it('refuses a key already in use on this side with NetError usage; the first call still completes', async () => {
      const p = await pair()
      const first = kind.start(p.leader, { value: 1 }, { key: 'busy' })
      await rejectionOf(kind.start(p.leader, { value: 2 }, { key: 'busy' }), 'usage')
      const results = await Promise.all([first, kind.start(p.follower, { value: 3 }, { key: 'busy' })])
      kind.expectCompleted([results[0], results[1]], [1, 3])
      await expectKeyFree(p, 'busy')
    })

    it(`fails both sides with NetError protocol when one key is a ${kind.name} here and a ${kind.other} there`, async () => {
      const p = await pair()
      const here = rejectionOf(kind.start(p.leader, { value: 1 }, { key: 'k' }), 'protocol')
      const there = rejectionOf(startKind(kind.other, p.follower, { value: 2 }, { key: 'k' }), 'protocol')
      await Promise.all([here, there])
      const used = new RegExp(`operation key "k" is used for (${kind.name}|${kind.other}) here but for (${kind.name}|${kind.other}) on the peer`)
      expect((await p.leader.closed).message).toMatch(used)
    })
  })
}
