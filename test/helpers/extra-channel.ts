/**
 * One more data channel on a connected pair of RTCPeerConnections: benchmarks and tests open a
 * fresh channel on the same connection (e.g. to resume a session over it) without renegotiating.
 */
import { connectWithin, once } from './loopback.js'

/** Both ends of a channel opened by {@link openExtraChannel}. */
export interface ExtraChannel {
  readonly dcA: RTCDataChannel
  readonly dcB: RTCDataChannel
}

/**
 * Opens a negotiated (pre-agreed `id`, no `datachannel` event), ordered, reliable channel on both
 * connections and resolves once both ends are open. `id` must be unused on the connection; the
 * pair helpers' own channels take the lowest ids, so pick from 100 up.
 */
export function openExtraChannel(pcA: RTCPeerConnection, pcB: RTCPeerConnection, id: number): Promise<ExtraChannel> {
  const init: RTCDataChannelInit = { negotiated: true, id }
  const dcA = pcA.createDataChannel(`extra-${id}`, init)
  const dcB = pcB.createDataChannel(`extra-${id}`, init)
  const opening = (async (): Promise<ExtraChannel> => {
    await Promise.all([dcA, dcB].map((dc) => (dc.readyState === 'open' ? undefined : once(dc, 'open'))))
    return { dcA, dcB }
  })()
  const teardown = async (): Promise<void> => {
    dcA.close()
    dcB.close()
  }
  return connectWithin(`extra data channel ${id}`, opening, teardown, () => `(a ${dcA.readyState}, b ${dcB.readyState})`)
}
