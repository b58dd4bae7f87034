/** The part of @thaunknown/simple-peer 10 (which ships no types) that the test helpers use. */
declare module '@thaunknown/simple-peer' {
  interface PeerOptions {
    initiator?: boolean
    trickle?: boolean
    /** Handed to webrtc-polyfill's RTCPeerConnection, which passes it on to node-datachannel. */
    config?: RTCConfiguration & { bindAddress?: string }
    channelConfig?: RTCDataChannelInit
  }

  interface PeerSignal {
    type?: string
    sdp?: string
    candidate?: { candidate: string; sdpMLineIndex?: number | null; sdpMid?: string | null }
    [key: string]: unknown
  }

  /** A streamx Duplex; `data` events carry Uint8Array. */
  export default class Peer {
    constructor(options?: PeerOptions)
    readonly connected: boolean
    readonly destroyed: boolean
    readonly bufferSize: number
    readonly _channel: RTCDataChannel | null
    signal(data: PeerSignal): void
    send(data: Uint8Array<ArrayBuffer>): void
    destroy(err?: Error): void
    on(event: string, listener: (...args: unknown[]) => void): this
    once(event: string, listener: (...args: unknown[]) => void): this
    removeListener(event: string, listener: (...args: unknown[]) => void): this
  }
}
