import { fromDataChannel } from '../../src/transport/data-channel.js'
import type { FrameChannel } from '../../src/transport/frame-channel.js'

/**
 * What one side's data channel saw: its sends, and whether each was made while the channel was
 * dispatching a message (the listener added before the adapter's marks the start, the one added
 * after it the end). For tests that check a message path by its structure, not by timing.
 */
export interface ChannelProbe {
  sends: number
  sendsInsideMessage: number
  /** True while the channel dispatches a message to the adapter. */
  inside: boolean
  /** Set by a setImmediate queued as each message's dispatch starts. */
  macrotaskSinceMessage: boolean
}

/** Wraps `dc` in netbeam's adapter, with a {@link ChannelProbe} watching it. */
export function probeChannel(dc: RTCDataChannel): { probe: ChannelProbe; channel: FrameChannel } {
  const probe: ChannelProbe = { sends: 0, sendsInsideMessage: 0, inside: false, macrotaskSinceMessage: true }
  dc.addEventListener('message', () => {
    probe.inside = true
    probe.macrotaskSinceMessage = false
    // Queued before anything netbeam could queue while handling this message, so it runs first.
    setImmediate(() => (probe.macrotaskSinceMessage = true))
  })
  const send = dc.send.bind(dc) as (data: Uint8Array<ArrayBuffer>) => void
  dc.send = ((data: Uint8Array<ArrayBuffer>) => {
    probe.sends++
    if (probe.inside) probe.sendsInsideMessage++
    send(data)
  }) as RTCDataChannel['send']
  const channel = fromDataChannel(dc)
  dc.addEventListener('message', () => (probe.inside = false))
  return { probe, channel }
}
