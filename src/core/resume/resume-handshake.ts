import type { FrameChannel } from '../../transport/frame-channel.js'
import type { FrameCodec } from '../../codec/codec.js'
import { abortError, isNetError, NetError } from '../../base/errors.js'
import { deferred } from '../../base/deferred.js'
import { noop } from '../../base/noop.js'
import { onAbort } from '../../base/abort.js'
import { unreachable } from '../../base/unreachable.js'
import { proveTo, sameBytes, verifyPeer, type ResumeCredentials } from './resume-credentials.js'
import { CHALLENGE_BYTES, encodeResumeFrame, parseResumeFrame, type ResumeFrame } from './resume-wire.js'
import type { MemoryBudget } from '../../base/memory-budget.js'
import { EARLY_FRAME_OVERHEAD_BYTES } from '../../transport/frame-receiver.js'

/** One side's attempt to continue its session over a new channel. */
export interface ResumeAttempt {
  readonly channel: FrameChannel
  readonly codec: FrameCodec
  readonly credentials: ResumeCredentials
  readonly version: number
  /** This side's cumulative ack: the peer retransmits what comes after it. */
  readonly received: number
  /** Checks the peer's cumulative ack against what this side holds; throws NetError `protocol` for a gap. */
  readonly checkPeerReceived: (received: number) => void
  readonly timeoutMs: number
  readonly signal?: AbortSignal | undefined
  /**
   * The session's memory budget: the frames the peer sends after its proof wait until the proof is
   * verified and are charged to it meanwhile; past it the resume is refused with `protocol`.
   */
  readonly budget: MemoryBudget
}

/** The new channel, once both sides proved who they are. */
export interface ResumedChannel {
  /** The peer's cumulative ack: retransmit from after it. */
  readonly peerReceived: number
  /** Hands on the frames that followed the peer's proof, then every later frame, to `receiver`. */
  forward(receiver: (frame: Uint8Array) => void): void
  /** Drops the frames held since the peer's proof (the session will not continue over this channel). */
  discard(): void
}

/**
 * Runs the resume handshake on `attempt.channel` (docs/resume-design.md): both sides send a
 * resume hello with a fresh challenge, answer the peer's with a proof, and verify the peer's
 * proof. A refusal (wrong session, wrong proof, sequence gap, deadline, abort) closes only the
 * new channel and rejects: NetError `protocol`, `timeout`, `aborted` or `closed`.
 */
export function runResumeHandshake(attempt: ResumeAttempt): Promise<ResumedChannel> {
  return new ResumeExchange(attempt).run()
}

class ResumeExchange {
  readonly #challenge = crypto.getRandomValues(new Uint8Array(CHALLENGE_BYTES))
  readonly #result = deferred<ResumedChannel>()
  /** Crypto is async: each frame's handling waits for the previous one's, so they stay in order. */
  #chain = Promise.resolve()
  #peerReceived: number | undefined
  #proofArrived = false
  #finished = false
  #failed = false
  /** Frames after the peer's proof, held until it is verified, and what they cost the budget. */
  #after: Uint8Array[] = []
  #afterCost = 0
  #receiver: ((frame: Uint8Array) => void) | undefined

  constructor(private readonly attempt: ResumeAttempt) {}

  run(): Promise<ResumedChannel> {
    const { channel, timeoutMs, signal, credentials, received, version } = this.attempt
    if (signal?.aborted) this.#fail(abortError(signal, 'resuming the session'))
    const timer = setTimeout(() => this.#fail(new NetError('timeout', `the resume handshake did not complete within ${timeoutMs} ms`)), timeoutMs)
    const stopAbort = onAbort(signal, () => this.#fail(abortError(signal!, 'resuming the session')))
    void this.#result.promise.then(noop, noop).finally(() => {
      clearTimeout(timer)
      stopAbort()
    })
    channel.onFrame((bytes) => this.#onFrame(bytes))
    void channel.closed.then((reason) => this.#fail(new NetError(reason.code === 'protocol' ? 'protocol' : 'closed', `the new channel closed during the resume handshake: ${reason.message}`, { cause: reason })))
    this.#send({ type: 'resume-hello', version, sessionId: credentials.sessionId, received, challenge: this.#challenge })
    return this.#result.promise
  }

  #onFrame(bytes: Uint8Array): void {
    if (this.#receiver !== undefined) return this.#receiver(bytes)
    if (this.#failed) return
    // Also after success, until the session takes over the channel (forward).
    if (this.#proofArrived) return this.#hold(bytes)
    let frame: ResumeFrame
    try {
      frame = parseResumeFrame(this.attempt.codec.decode(bytes))
    } catch (err) {
      return this.#refuse(isNetError(err) ? err : new NetError('protocol', 'an unreadable resume frame', { cause: err }))
    }
    if (frame.type === 'resume-proof') this.#proofArrived = true
    this.#chain = this.#chain.then(() => this.#handle(frame)).catch((err: unknown) => this.#refuse(asProtocol(err)))
  }

  async #handle(frame: ResumeFrame): Promise<void> {
    if (this.#finished) return
    const { credentials, version, checkPeerReceived } = this.attempt
    switch (frame.type) {
      case 'resume-hello':
        if (this.#peerReceived !== undefined) throw new NetError('protocol', 'the peer sent a second resume hello')
        if (frame.version !== version) throw new NetError('version', `the peer resumes with protocol version ${frame.version}, this side speaks ${version}`)
        if (!sameBytes(frame.sessionId, credentials.sessionId)) throw new NetError('protocol', 'the peer asked to resume an unknown session')
        checkPeerReceived(frame.received)
        this.#peerReceived = frame.received
        return this.#send({ type: 'resume-proof', proof: await proveTo(credentials, frame.challenge) })
      case 'resume-proof':
        if (this.#peerReceived === undefined) throw new NetError('protocol', 'the peer sent a resume proof before its resume hello')
        if (!(await verifyPeer(credentials, this.#challenge, frame.proof))) throw new NetError('protocol', 'the peer failed the resume proof (not the same peer, or a replayed proof)')
        return this.#succeed(this.#peerReceived)
      case 'resume-refused':
        throw new NetError('protocol', `the peer refused to resume: ${frame.reason}`)
      default:
        return unreachable(frame)
    }
  }

  /** A frame after the peer's proof: held, and charged to the session's budget, until the proof is verified. */
  #hold(bytes: Uint8Array): void {
    const cost = bytes.length + EARLY_FRAME_OVERHEAD_BYTES
    try {
      this.attempt.budget.charge(cost, 'frames sent after the resume proof, before it was verified')
    } catch (err) {
      if (!this.#finished) return this.#refuse(asProtocol(err))
      // Verified already: the peer overran the session's budget, which ends the session (the channel's close says why).
      return this.attempt.channel.close(asProtocol(err))
    }
    this.#after.push(bytes)
    this.#afterCost += cost
  }

  #succeed(peerReceived: number): void {
    if (this.#finished) return
    this.#finished = true
    this.#result.resolve({
      peerReceived,
      forward: (receiver) => {
        const held = this.#after
        this.#after = []
        for (const bytes of held) {
          const cost = bytes.length + EARLY_FRAME_OVERHEAD_BYTES
          this.#afterCost -= cost
          this.attempt.budget.release(cost)
          receiver(bytes)
        }
        this.#receiver = receiver
      },
      discard: () => this.#dropHeld(),
    })
  }

  #dropHeld(): void {
    this.attempt.budget.release(this.#afterCost)
    this.#after = []
    this.#afterCost = 0
  }

  /** Tells the peer why (unless it refused first), then closes the new channel. */
  #refuse(reason: NetError): void {
    if (this.#finished) return
    if (!reason.message.startsWith('the peer refused')) this.#send({ type: 'resume-refused', reason: reason.message })
    this.#fail(reason)
  }

  #fail(reason: NetError): void {
    if (this.#finished) return
    this.#finished = true
    this.#failed = true
    this.#dropHeld()
    this.#result.reject(reason)
    this.attempt.channel.close(reason)
  }

  #send(frame: ResumeFrame): void {
    void this.attempt.channel.send(this.attempt.codec.encode(encodeResumeFrame(frame))).catch(noop)
  }
}

function asProtocol(err: unknown): NetError {
  return isNetError(err) ? err : new NetError('protocol', 'the resume handshake failed', { cause: err })
}
