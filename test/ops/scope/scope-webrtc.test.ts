/**
 * Scopes over a real WebRTC DataChannel in one Node process (node-datachannel, loopback only):
 * every primitive in nested scopes beside the same keys in the root, a reset with every kind of
 * call pending on both sides, a close, and scopes opened and closed in a row.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { openSessions, type SessionPair } from '../../helpers/session-pair.js'
import { nodeDataChannelPair, type FrameChannelPair } from '../../helpers/webrtc-pair.js'
import { sessionCore } from '../../../src/session.js'
import type { KeySpace } from '../../../src/key-space.js'
import { expectAllRejected, pendingEverything } from './scope-helpers.js'

describe('scopes over node-datachannel', () => {
  let frames: FrameChannelPair
  let p: SessionPair
  beforeAll(async () => {
    frames = await nodeDataChannelPair()
    p = await openSessions([frames.a, frames.b])
  })
  afterAll(async () => {
    await p.close()
    await frames.close()
  })

  /** Every primitive once on both sides of `[mine, theirs]`, with the same keys wherever it runs; returns what each side saw. */
  async function everything(spaces: readonly [KeySpace, KeySpace], tag: string): Promise<unknown[][]> {
    return Promise.all(
      spaces.map(async (s, side) => {
        const mine = `${tag}:${side}`
        const channel = s.channel<string>('ch')
        const mutex = s.mutex<string[]>('m', { initial: [] })
        const rw = s.rwlock<number>('rw', { initial: 0 })
        const results = await Promise.all([
          s.join(() => mine),
          s.tryJoin(() => mine),
          s.select(() => mine).then((r) => r.won),
          s.trySelect(() => mine).then((r) => r.won),
          s.exchange(mine),
          s.syncStart(({ peerPayload }) => peerPayload, { payload: mine, delayMs: 20 }),
          channel.send(mine).then(async () => (await channel[Symbol.asyncIterator]().next()).value),
        ])
        await mutex.withLock((g) => void (g.value = [...g.value, mine]))
        await rw.withWrite((g) => void (g.value += 1))
        // Locks and channels in a scope close with it (the root's stay open: keys of this test only).
        return results
      }),
    )
  }

  it('every primitive pairs within its scope, beside the same keys in the root and in a sibling', async () => {
    const a = [p.leader.scope('a'), p.follower.scope('a')] as const
    const ab = [a[0].scope('b'), a[1].scope('b')] as const
    const b = [p.leader.scope('b'), p.follower.scope('b')] as const
    const [inA, inAB, inB, inRoot] = await Promise.all([everything(a, 'a'), everything(ab, 'a/b'), everything(b, 'b'), everything([p.leader, p.follower], 'root')])
    for (const [tag, [leader, follower]] of [['a', inA], ['a/b', inAB], ['b', inB], ['root', inRoot]] as const) {
      // exchange, syncStart's payload and the channel bring the peer's own tag, from this scope.
      expect(leader!.slice(4), tag).toEqual([`${tag}:1`, `${tag}:1`, `${tag}:1`])
      expect(follower!.slice(4), tag).toEqual([`${tag}:0`, `${tag}:0`, `${tag}:0`])
      expect(leader![2] !== follower![2], `${tag}: one select winner`).toBe(true)
    }
    await Promise.all([a[0].close(), b[1].close(), a[1].closed, b[0].closed])
    expect(sessionCore(p.leader).scopes.size + sessionCore(p.follower).scopes.size).toBe(0)
  })

  it('a reset with every kind of call pending on both sides rejects them all with the reason; a close ends the peer\'s waits', async () => {
    const ls = p.leader.scope('game')
    const fs = p.follower.scope('game')
    const leaderCalls = await pendingEverything(ls, fs, 'L')
    const followerCalls = await pendingEverything(fs, ls, 'F')
    await fs.reset('over WebRTC')
    await expectAllRejected(leaderCalls, 'aborted', 'over WebRTC')
    await expectAllRejected(followerCalls, 'aborted', 'over WebRTC')
    await ls.closed
    const [lc, fc] = [p.leader.scope('calm'), p.follower.scope('calm')]
    const waiting = await pendingEverything(fc, lc, 'W')
    await lc.close()
    await expectAllRejected(waiting, 'closed', 'closed')
    await fc.closed
    for (const s of [p.leader, p.follower]) expect(s.stats).toMatchObject({ heldMessages: 0 })
    expect(sessionCore(p.leader).scopes.size + sessionCore(p.follower).scopes.size).toBe(0)
  })

  it('200 scopes opened, used and closed in a row leave no scope behind', async () => {
    for (let i = 0; i < 200; i++) {
      const [l, f] = [p.leader.scope(`row-${i}`), p.follower.scope(`row-${i}`)]
      expect(await Promise.all([l.exchange(i), f.exchange(1000 + i)])).toEqual([1000 + i, i])
      await Promise.all([(i % 2 === 0 ? l : f).close(), l.closed, f.closed])
    }
    expect(sessionCore(p.leader).scopes.size + sessionCore(p.follower).scopes.size).toBe(0)
  })
})
