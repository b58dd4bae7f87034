import { describe, expect, it } from 'vitest'
import { createFrameCodec } from '../../src/codec/codec.js'
import { NetError } from '../../src/base/errors.js'
import { Session, sessionCore } from '../../src/session.js'
import { encodeSessionFrame, parseSessionFrame, PROTOCOL_VERSION } from '../../src/core/wire.js'
import { deriveCredentials, proveTo, type ResumeCredentials } from '../../src/core/resume/resume-credentials.js'
import { encodeResumeFrame, parseResumeFrame, type ResumeFrame } from '../../src/core/resume/resume-wire.js'
import { CONTRIBUTION_BYTES } from '../../src/core/resume/resume-options.js'
import { memoryPair, type MemoryFrameChannel } from '../../src/transport/memory.js'
import { MiB } from './hostile-peer.js'

/**
 * A peer that knows the session's secret (it took part in the hellos) resumes and, right behind
 * its proof, floods the new channel: the victim holds those frames while it verifies the proof,
 * so they count against its memory budget, and past the budget the resume is refused with
 * `protocol`, closing only the new channel.
 */
const codec = createFrameCodec({ maxDepth: 64, maxItems: 10_000_000 })
const BUDGET = 1 * MiB
const FLOOD_FRAME = new Uint8Array(64 * 1024)
/** An ack-only envelope (reliable-link.ts): a valid frame that asks nothing of the session. */
const ENVELOPE_ACK_ONLY = [8, 0, 0]

/** Opens the victim (leader, resume on, no clock burst) against a raw peer that says hello by hand. */
async function openVictim(): Promise<{ victim: Session; credentials: ResumeCredentials; x: MemoryFrameChannel; y: MemoryFrameChannel }> {
  const [x, y] = memoryPair()
  const opening = Session.open(x, { role: 'leader', clockBurst: 0, heartbeatMs: 60_000, timeoutMs: 120_000, maxHeldBytes: BUDGET, resume: { graceMs: 60_000 } })
  const contribution = crypto.getRandomValues(new Uint8Array(CONTRIBUTION_BYTES))
  const victimHello = new Promise<Uint8Array>((resolve) =>
    y.onFrame((bytes) => {
      const frame = parseSessionFrame(codec.decode(bytes))
      if (frame.type === 'hello' && frame.resume !== undefined) resolve(frame.resume.contribution)
    }),
  )
  const hello = { type: 'hello', version: PROTOCOL_VERSION, nonce: 0.5, round: 0, role: 'follower', maxFrameBytes: 0xffff_ffff, resume: { contribution, retransmitBytes: BUDGET } } as const
  await y.send(codec.encode(encodeSessionFrame(hello)))
  const credentials = await deriveCredentials(contribution, await victimHello, false)
  return { victim: await opening, credentials, x, y }
}

/** Answers the victim's resume hello with its own, a valid proof, then `flood` copies of `floodWith`, all in one go. */
function resumeAs(credentials: ResumeCredentials, channel: MemoryFrameChannel, flood: number, floodWith: unknown = FLOOD_FRAME): void {
  channel.onFrame((bytes) => {
    const frame = readResumeFrame(bytes)
    if (frame?.type !== 'resume-hello') return
    const challenge = crypto.getRandomValues(new Uint8Array(16))
    const hello = { type: 'resume-hello', version: PROTOCOL_VERSION, sessionId: credentials.sessionId, received: 0, challenge } as const
    void proveTo(credentials, frame.challenge).then((proof) => {
      void channel.send(codec.encode(encodeResumeFrame(hello)))
      void channel.send(codec.encode(encodeResumeFrame({ type: 'resume-proof', proof })))
      for (let i = 0; i < flood; i++) void channel.send(codec.encode(floodWith))
    })
  })
}

function readResumeFrame(bytes: Uint8Array): ResumeFrame | undefined {
  try {
    return parseResumeFrame(codec.decode(bytes))
  } catch {
    return undefined // not a resume frame: the victim's session speaking after a resume
  }
}

/** A new link whose ends send everything at once (no backpressure below 16 MiB): the flood lands in one delivery. */
const floodPair = (): [MemoryFrameChannel, MemoryFrameChannel] => memoryPair({ highWaterBytes: 16 * MiB })

describe('a peer flooding the new channel right after its resume proof', () => {
  it('is charged to the memory budget while its proof is verified; past the budget the resume is refused and the session stays suspended', async () => {
    const { victim, credentials, x, y } = await openVictim()
    const suspended = new Promise<void>((resolve) => victim.once('suspended', () => resolve()))
    x.sever() // the link is cut: each end sees its own close
    x.close()
    y.close()
    await suspended
    const heldBefore = sessionCore(victim).stats.heldBytes
    const framesBefore = sessionCore(victim).stats.framesReceived

    const [x2, y2] = floodPair()
    resumeAs(credentials, y2, (2 * BUDGET) / FLOOD_FRAME.length)
    const err = await victim.resume(x2).then(() => undefined, (e: unknown) => e as NetError)
    expect(err).toBeInstanceOf(NetError)
    expect(err?.code).toBe('protocol')
    expect(err?.message).toMatch(/memory budget/)
    expect(x2.isClosed).toBe(true)
    expect(victim.state).toBe('suspended')
    expect(sessionCore(victim).stats.heldBytes).toBe(heldBefore)

    // The session itself is untouched: the same peer resumes it. What it sends behind its proof
    // within the budget (here ack-only frames, [8, 0, 0]) is handed on and its charge released.
    const [x3, y3] = floodPair()
    resumeAs(credentials, y3, 1000, ENVELOPE_ACK_ONLY)
    await victim.resume(x3)
    expect(victim.state).toBe('open')
    await expect.poll(() => sessionCore(victim).stats.framesReceived).toBeGreaterThanOrEqual(framesBefore + 1000)
    expect(sessionCore(victim).stats.heldBytes).toBe(heldBefore)
    y3.close() // the raw peer does not answer a bye: it leaves, and the victim closes on its own
    await victim.close()
  })
})
