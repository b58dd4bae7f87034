/**
 * The `closed` contract: the `closed` promise of a FrameChannel, a Session and a TypedChannel
 * resolves with the NetError that says why it closed, on every close path, and never rejects; no
 * promise of the library is left rejected with nobody listening.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { FrameChannel } from '../../src/transport/frame-channel.js'
import { memoryPair, NetError, Session, type TypedChannel } from '../../src/index.js'
import { nodeDataChannelPair } from '../helpers/webrtc-pair.js'
import { FAST_TIMEOUT } from '../ops/one-shot/op-helpers.js'

/** Two connected FrameChannels and the ways their connection can go away. */
interface Link {
  readonly a: FrameChannel
  readonly b: FrameChannel
  /** The connection goes away under both sides; the sessions see `code`. */
  loseTransport(): void
  readonly lossCode: NetError['code']
  teardown(): Promise<void>
}

const links: [string, () => Promise<Link>][] = [
  [
    'memory pair',
    async () => {
      const [a, b] = memoryPair({ latencyMs: 1 })
      // Severed: nothing more arrives either way and nobody is told, so only the heartbeat notices.
      return { a, b, loseTransport: () => a.sever(), lossCode: 'timeout', teardown: async () => {} }
    },
  ],
  [
    'node-datachannel (real WebRTC)',
    async () => {
      const pair = await nodeDataChannelPair()
      // The peer connection under `a` goes away: both data channels close.
      return {
        a: pair.a,
        b: pair.b,
        loseTransport: () => pair.raw.pcA.close(),
        lossCode: 'closed',
        teardown: () => pair.close(),
      }
    },
  ],
]

/** Every `closed` promise of one setup, each watched for a rejection it must never give. */
interface Closables {
  link: Link
  leader: Session
  follower: Session
  ca: TypedChannel<number>
  cb: TypedChannel<number>
}

const rejections: unknown[] = []
const onUnhandled = (reason: unknown): void => void rejections.push(reason)
beforeEach(() => {
  rejections.length = 0
  process.on('unhandledRejection', onUnhandled)
})
afterEach(async () => {
  // Unhandled rejections are reported after the microtask queue drains: give them a macrotask.
  await new Promise((resolve) => setTimeout(resolve, 10))
  process.off('unhandledRejection', onUnhandled)
  expect(rejections, 'unhandled rejections').toEqual([])
})

/** The reason `closed` resolved with; fails the test if it rejected or resolved with anything else. */
async function reasonOf(closed: Promise<NetError>, what: string): Promise<NetError> {
  const outcome = await closed.then(
    (reason) => ({ resolved: true as const, reason }),
    (err: unknown) => ({ resolved: false as const, err }),
  )
  expect(outcome, `${what}.closed must resolve, not reject`).toMatchObject({ resolved: true })
  const { reason } = outcome as { reason: unknown }
  expect(reason, `${what}.closed resolves with a NetError`).toBeInstanceOf(NetError)
  return reason as NetError
}

async function setUp(link: Link): Promise<Closables> {
  const [leader, follower] = await Promise.all([
    Session.open(link.a, { ...FAST_TIMEOUT, role: 'leader' }),
    Session.open(link.b, { ...FAST_TIMEOUT, role: 'follower' }),
  ])
  const ca = leader.channel<number>('contract')
  const cb = follower.channel<number>('contract')
  // The channel is in use: a value went across.
  await ca.send(1)
  expect(await cb[Symbol.asyncIterator]().next()).toEqual({ value: 1, done: false })
  return { link, leader, follower, ca, cb }
}

/** All six reasons, each checked to have resolved (never rejected) with a NetError. */
async function allReasons(c: Closables): Promise<Record<'frameA' | 'frameB' | 'leader' | 'follower' | 'channelA' | 'channelB', NetError>> {
  const [frameA, frameB, leader, follower, channelA, channelB] = await Promise.all([
    reasonOf(c.link.a.closed, 'FrameChannel a'),
    reasonOf(c.link.b.closed, 'FrameChannel b'),
    reasonOf(c.leader.closed, 'leader Session'),
    reasonOf(c.follower.closed, 'follower Session'),
    reasonOf(c.ca.closed, 'TypedChannel a'),
    reasonOf(c.cb.closed, 'TypedChannel b'),
  ])
  return { frameA, frameB, leader, follower, channelA, channelB }
}

describe.each(links)('every closed promise resolves with its reason and never rejects, over %s', (_name, connect) => {
  let link: Link
  beforeEach(async () => {
    link = await connect()
  })
  afterEach(() => link.teardown())

  it('a FrameChannel alone: closed here, then by the peer', async () => {
    link.a.close()
    const [here, there] = [await reasonOf(link.a.closed, 'FrameChannel a'), await reasonOf(link.b.closed, 'FrameChannel b')]
    expect(here).toMatchObject({ code: 'closed', message: expect.stringMatching(/closed locally/) })
    expect(there.code).toBe('closed')
  })

  it('the session closed locally, and by the peer; the typed channel under it gets the session reason', async () => {
    const c = await setUp(link)
    await c.leader.close()
    const r = await allReasons(c)
    expect(r.leader).toMatchObject({ code: 'closed', message: 'the session was closed locally' })
    // The bye always arrives: the session keeps its channel open until the peer answered it.
    expect(r.follower).toMatchObject({ code: 'closed', message: 'the peer closed the session' })
    expect(r.frameA).toBe(r.leader)
    expect(r.frameB.code).toBe('closed')
    expect(r.channelA).toBe(r.leader)
    expect(r.channelB).toBe(r.follower)
  })

  it('the transport goes away under both sessions', async () => {
    const c = await setUp(link)
    link.loseTransport()
    const r = await allReasons(c)
    for (const reason of Object.values(r)) expect(reason.code).toBe(link.lossCode)
    expect(r.channelA).toBe(r.leader)
    expect(r.channelB).toBe(r.follower)
  })

  it('the FrameChannel closes under a session', async () => {
    const c = await setUp(link)
    link.b.close()
    const r = await allReasons(c)
    expect(r.frameB).toMatchObject({ code: 'closed', message: expect.stringMatching(/closed locally/) })
    expect(r.follower).toMatchObject({ code: 'closed', message: 'the connection closed', cause: r.frameB })
    expect(r.leader.code).toBe('closed')
    expect(r.channelA).toBe(r.leader)
    expect(r.channelB).toBe(r.follower)
  })

  it('a protocol error from the peer closes everything with code protocol', async () => {
    const c = await setUp(link)
    // A frame that is no session frame at all, straight onto the follower's channel.
    await link.b.send(Uint8Array.of(0xff, 0x00, 0x13))
    const r = await allReasons(c)
    expect(r.leader.code).toBe('protocol')
    expect(r.follower).toMatchObject({ code: 'protocol', message: expect.stringMatching(/^the peer closed the session: /) })
    expect(r.frameA).toBe(r.leader)
    expect(r.channelA).toBe(r.leader)
    expect(r.channelB).toBe(r.follower)
  })

  it('a typed channel closed by both sides resolves with NetError closed naming who closed first; the session closing later changes nothing', async () => {
    const c = await setUp(link)
    await c.cb.close()
    const reading = c.ca[Symbol.asyncIterator]()
    expect(await reading.next()).toEqual({ value: undefined, done: true })
    await c.ca.close()
    const [a, b] = [await reasonOf(c.ca.closed, 'TypedChannel a'), await reasonOf(c.cb.closed, 'TypedChannel b')]
    expect(a).toMatchObject({ code: 'closed', message: 'channel "contract" was closed by the peer first, then by this side' })
    expect(b).toMatchObject({ code: 'closed', message: 'channel "contract" was closed by this side first, then by the peer' })
    await c.leader.close()
    expect(await reasonOf(c.ca.closed, 'TypedChannel a')).toBe(a)
    expect((await reasonOf(c.follower.closed, 'follower Session')).code).toBe('closed')
  })
})
