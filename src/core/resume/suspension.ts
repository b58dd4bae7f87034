import type { FrameChannel } from '../../transport/frame-channel.js'
import type { FrameCodec } from '../../codec/codec.js'
import { NetError } from '../../base/errors.js'
import { unrefTimer } from '../../base/unref-timer.js'
import { nextMacrotask } from '../../base/macrotask.js'
import type { ReliableLink } from './reliable-link.js'
import type { ResumeCredentials } from './resume-credentials.js'
import { runResumeHandshake } from './resume-handshake.js'
import { SwitchableChannel } from './switchable-channel.js'
import type { EventEmitter } from 'eventemitter3'
import type { MemoryBudget } from '../../base/memory-budget.js'
import { emitSafely } from '../../base/emit-safely.js'
import { shareBudget } from '../../transport/frame-receiver.js'
import type { SessionEvents } from '../session-events.js'

/** What the suspension needs from its session. */
export interface SuspensionHost {
  readonly channel: SwitchableChannel
  readonly codec: FrameCodec
  readonly graceMs: number
  readonly timeoutMs: number
  readonly version: number
  /** The session's memory budget (what the peer makes this side hold). */
  readonly budget: MemoryBudget
  /**
   * The sequenced link and the credentials, once the hellos agreed on resume: from then on a drop
   * suspends the session, during the opening clock burst too (`Session.open` resolves suspended).
   */
  readonly link: ReliableLink | undefined
  readonly credentials: Promise<ResumeCredentials> | undefined
  /**
   * The session is now suspended (event): over no channel (heartbeats stop), or, when silence
   * suspended it, still over its channel, which heartbeats go on probing until `back` is called.
   */
  suspended(reason: NetError, back: (() => void) | undefined): void
  /** Emits the `suspended` event again (see {@link Suspension.announceLate}). */
  announce(reason: NetError): void
  /** The channel the session waited on is gone too: heartbeats stop. */
  lostChannel(): void
  /** The session is open again (event), over a new channel or over the one it waited on. */
  resumed(sameChannel: boolean): void
  /**
   * Takes `channel`'s held bytes into the session's memory budget, which it draws from from now
   * on; throws NetError `protocol` past the budget.
   */
  adopt(channel: FrameChannel): void
  /** Closes the session (grace expired, or a drop that cannot be resumed). */
  close(reason: NetError): void
  /** Closes the session for a peer's fault, telling the peer (over the current channel). */
  fail(reason: NetError): void
}

/**
 * A resumable session's state between drops and resumes: suspends on a drop once the hellos agreed
 * on resume, while the session is still opening too (a protocol error, or a drop before the hellos
 * crossed, closes it), closes it when `graceMs` passes, and runs `resume` over a new channel.
 */
export class Suspension {
  #state: 'open' | 'suspended' = 'open'
  /** Why the session is suspended (the reason the `suspended` event carried), while it is. */
  #reason: NetError | undefined
  /** The session closed (it may still be saying goodbye over its channel): no more suspending or resuming. */
  #stopped = false
  #grace: ReturnType<typeof setTimeout> | undefined
  /** Suspended by silence, the channel kept: its peer may be heard again (an outage on the same path). */
  #onSameChannel = false
  #attempt: AbortController | undefined

  constructor(private readonly host: SuspensionHost) {
    host.channel.onDrop = (reason) => this.#onDrop(reason)
  }

  get state(): 'open' | 'suspended' {
    return this.#state
  }

  /**
   * `Session.open` resolved: a suspension while opening was announced before anyone could listen,
   * so it is announced again on the next macrotask, unless the session has left it meanwhile.
   */
  announceLate(): void {
    const reason = this.#reason
    if (reason === undefined) return
    void nextMacrotask().then(() => {
      if (this.#reason === reason && !this.#stopped) this.host.announce(reason)
    })
  }

  /**
   * The peer went silent: true if the session suspends instead of closing. The channel stays: an
   * outage often ends on the same connection (the transport resends what it had in flight), and
   * the session resumes by itself when the peer is heard again, with nothing to resend.
   */
  silent(reason: NetError): boolean {
    if (this.#stopped || this.host.link === undefined || this.#state === 'suspended') return false
    this.#onSameChannel = true
    this.#suspend(reason, () => this.#back())
    return true
  }

  /**
   * Continues the session over `channel` (from `open` too: the old channel is dropped). Rejects,
   * closing only `channel`, if the resume handshake fails; a newer `resume` supersedes this one.
   */
  async resume(channel: FrameChannel, signal: AbortSignal | undefined): Promise<void> {
    const { link, credentials } = this.host
    if (link === undefined || credentials === undefined) {
      channel.close()
      throw new NetError('usage', 'session.resume: the session was not opened with the resume option on both sides')
    }
    if (this.#stopped || this.host.channel.isClosed) {
      channel.close()
      throw new NetError('closed', 'session.resume: the session has closed; open a new one')
    }
    if (this.#state === 'open' || this.#onSameChannel) this.host.channel.drop(new NetError('closed', 'the channel was replaced by session.resume'))
    this.#attempt?.abort(new NetError('aborted', 'a newer session.resume replaced this one'))
    const attempt = (this.#attempt = new AbortController())
    const signals = signal === undefined ? attempt.signal : AbortSignal.any([signal, attempt.signal])
    const resumed = await runResumeHandshake({
      channel,
      codec: this.host.codec,
      credentials: await credentials,
      version: this.host.version,
      received: link.received,
      checkPeerReceived: (n) => link.checkResumePoint(n),
      timeoutMs: this.host.timeoutMs,
      signal: signals,
      budget: this.host.budget,
    })
    if (this.#stopped || this.host.channel.isClosed || this.#attempt !== attempt) {
      resumed.discard()
      channel.close()
      throw new NetError('closed', 'the session closed (or was resumed elsewhere) during the resume handshake')
    }
    this.#attempt = undefined
    this.#clearGrace()
    this.#state = 'open'
    this.#reason = undefined
    this.host.channel.replace(channel)
    try {
      this.host.adopt(channel)
    } catch (err) {
      // What the peer sent on the new channel does not fit: the session ends as for any overrun.
      this.host.fail(err as NetError)
      throw err
    }
    link.attach(resumed.peerReceived)
    this.host.resumed(false)
    // Last: what the peer sent after its own resume completed (it may be its bye) acts on an
    // open session, after the 'resumed' event, so a close it causes stops everything restarted.
    this.host.channel.forward(resumed.forward)
  }

  /** The session closed: no more grace timer or resume attempt. */
  stop(): void {
    this.#stopped = true
    this.#clearGrace()
    this.#attempt?.abort(new NetError('closed', 'the session closed'))
  }

  #onDrop(reason: NetError): void {
    // A closing session waiting for the peer's goodbye has nothing to suspend: the link is gone.
    if (this.#stopped || reason.code === 'protocol' || this.host.link === undefined) return this.host.channel.close(reason)
    this.host.link.detach()
    if (this.#state === 'suspended') {
      if (this.#onSameChannel) this.host.lostChannel()
      this.#onSameChannel = false
      return
    }
    this.#suspend(reason, undefined)
  }

  #suspend(reason: NetError, back: (() => void) | undefined): void {
    this.#state = 'suspended'
    this.#reason = reason
    this.host.suspended(reason, back)
    const { graceMs } = this.host
    this.#grace = setTimeout(() => this.host.close(new NetError('timeout', `the session was not resumed within graceMs (${graceMs} ms)`)), graceMs)
    unrefTimer(this.#grace)
  }

  /** The peer was heard again on the channel the session waited on. */
  #back(): void {
    if (!this.#onSameChannel || this.#stopped) return
    this.#onSameChannel = false
    this.#clearGrace()
    this.#state = 'open'
    this.#reason = undefined
    this.host.resumed(true)
  }

  #clearGrace(): void {
    clearTimeout(this.#grace)
    this.#grace = undefined
  }
}

/** The parts of the session a suspension stops and restarts. */
export interface SuspendedParts {
  readonly silence: { heard(): void; start(): void; stop(): void; awaitPeer(back: () => void): void }
  readonly clock: { restart(): void; interrupt(): void }
  readonly events: EventEmitter<SessionEvents>
  /** The session's memory budget, which a new channel's receiver draws from after a resume. */
  readonly memory: MemoryBudget
  close(reason: NetError): void
  fail(reason: NetError): void
}

/** The session's suspension with the resume option on; undefined without it. */
export function suspensionOf(
  frames: { readonly channel: FrameChannel; readonly codec: FrameCodec; readonly link: ReliableLink | undefined; readonly credentials: Promise<ResumeCredentials> | undefined },
  opts: { readonly resume: { readonly graceMs: number } | undefined; readonly timeoutMs: number; readonly protocolVersion: number },
  parts: SuspendedParts,
): Suspension | undefined {
  const { channel } = frames
  if (opts.resume === undefined || !(channel instanceof SwitchableChannel)) return undefined
  return new Suspension({
    channel,
    codec: frames.codec,
    graceMs: opts.resume.graceMs,
    timeoutMs: opts.timeoutMs,
    version: opts.protocolVersion,
    budget: parts.memory,
    get link() {
      return frames.link
    },
    get credentials() {
      return frames.credentials
    },
    suspended: (reason, back) => {
      if (back === undefined) parts.silence.stop()
      else parts.silence.awaitPeer(back)
      parts.clock.interrupt()
      emitSafely(parts.events, 'suspended', reason)
    },
    announce: (reason) => emitSafely(parts.events, 'suspended', reason),
    lostChannel: () => parts.silence.stop(),
    adopt: (next) => shareBudget(next, parts.memory),
    resumed: (sameChannel) => {
      if (!sameChannel) {
        parts.silence.heard()
        parts.silence.start()
      }
      parts.clock.restart()
      emitSafely(parts.events, 'resumed')
    },
    close: (reason) => parts.close(reason),
    fail: (reason) => parts.fail(reason),
  })
}
