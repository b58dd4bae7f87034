import { createFrameCodec } from '../../src/codec/codec.js'
import type { SessionOptions } from '../../src/core/options.js'
import { encodeSessionFrame, PROTOCOL_VERSION } from '../../src/core/wire.js'
import { Session } from '../../src/session.js'
import type { FrameChannel } from '../../src/transport/frame-channel.js'
import { memoryPair } from '../../src/transport/memory.js'

const codec = createFrameCodec({ maxDepth: 64, maxItems: 1_000_000 })

/** A real session whose peer is a raw memory channel end the test writes frames into. */
export interface MemoryVictim {
  readonly session: Session
  readonly attacker: FrameChannel
  /** Called with every session frame the victim sends, decoded (bye is answered before it). */
  onFrame: (frame: unknown[]) => void
  /** Resolves once the session has handled everything sent so far: it answered a ping, or it closed. */
  settled(): Promise<void>
}

/**
 * Opens the victim as leader (no clock burst, no heartbeat verdict within a test) after the raw
 * end says hello. The raw end answers the victim's bye as a peer does, so a closing session
 * closes its channel at once rather than after its `timeoutMs`.
 */
export async function openMemoryVictim(options: SessionOptions = {}): Promise<MemoryVictim> {
  const [x, attacker] = memoryPair()
  const send = (frame: Parameters<typeof encodeSessionFrame>[0]): Promise<void> => attacker.send(codec.encode(encodeSessionFrame(frame))).catch(() => {})
  let onPong: (() => void) | undefined
  const peer: Omit<MemoryVictim, 'session'> = {
    attacker,
    onFrame: () => {},
    async settled() {
      const pong = new Promise<void>((resolve) => (onPong = resolve))
      await send({ type: 'ping', id: 1, t0: 0 })
      await Promise.race([pong, session.closed])
    },
  }
  attacker.onFrame((bytes) => {
    const frame = codec.decode(bytes) as unknown[]
    if (frame[0] === 2) onPong?.()
    if (frame[0] === 3) void send({ type: 'bye', code: 'closed', reason: 'answer' })
    peer.onFrame(frame)
  })
  const opening = Session.open(x, { role: 'leader', clockBurst: 0, heartbeatMs: 10_000, timeoutMs: 60_000, ...options })
  await send({ type: 'hello', version: PROTOCOL_VERSION, nonce: 1, round: 0, role: 'follower', maxFrameBytes: 1 << 20 })
  const session = await opening
  return Object.assign(peer, { session })
}
