// Typechecked by `tsc` (npm test's typecheck step), never run: fromSimplePeer takes each
// simple-peer's own peer type as it is, with no cast.
import SimplePeer from 'simple-peer'
import ThaunknownPeer from '@thaunknown/simple-peer'
import { fromSimplePeer, type FrameChannel } from '../../src/index.js'

export function wrapSimplePeer9(): FrameChannel {
  return fromSimplePeer(new SimplePeer({ initiator: true }))
}

export function wrapSimplePeerInstance(peer: SimplePeer.Instance): FrameChannel {
  return fromSimplePeer(peer)
}

export function wrapThaunknownPeer(): FrameChannel {
  return fromSimplePeer(new ThaunknownPeer({ initiator: true }))
}
