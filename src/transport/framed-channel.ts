import { NetError } from '../base/errors.js'
import { deferred } from '../base/deferred.js'
import { resolveFrameChannelOptions, type FrameChannel, type FrameChannelOptions } from './frame-channel.js'
import { FrameReceiver, withBudget } from './frame-receiver.js'
import { FrameSender } from './frame-sender.js'
import type { RawTransport, RawTransportFactory } from './raw-transport.js'

/**
 * Builds a {@link FrameChannel} over a raw transport: a {@link FrameSender} (chunking, lanes,
 * round-robin, backpressure) and a {@link FrameReceiver} (reassembly), closed together.
 */
export function createFrameChannel(openTransport: RawTransportFactory, options: FrameChannelOptions = {}): FrameChannel {
  const opts = resolveFrameChannelOptions(options)
  const closed = deferred<NetError>()
  let closeReason: NetError | undefined
  const receiver = new FrameReceiver(opts.maxFrameBytes, (reason) => finish(reason))
  // An adapter may report its transport closed before openTransport returns: finish() then
  // stops what exists, and the rest is stopped once built.
  let transport: RawTransport | undefined
  let sender: FrameSender | undefined
  transport = openTransport({
    message: (data) => receiver.push(data),
    closed: (reason) => finish(reason),
  })
  sender = new FrameSender(transport, opts, (reason) => finish(reason))
  if (closeReason !== undefined) stopBoth(closeReason)

  function finish(reason: NetError): void {
    if (closeReason !== undefined) return
    closeReason = reason
    stopBoth(reason)
    closed.resolve(reason)
  }

  function stopBoth(reason: NetError): void {
    sender?.stop(reason)
    receiver.stop()
    try {
      transport?.close()
    } catch {
      // The transport is going away either way; its close error adds nothing.
    }
  }

  return withBudget<FrameChannel>({
    send: (frame, lane) => sender!.send(frame, lane),
    onFrame: (next) => receiver.onFrame(next),
    closed: closed.promise,
    get isClosed() {
      return closeReason !== undefined
    },
    get bufferedAmount() {
      return sender!.queuedBytes + (closeReason === undefined ? transport!.bufferedAmount : 0)
    },
    close(reason = new NetError('closed', 'the channel was closed locally')) {
      finish(reason)
    },
  }, receiver.budget)
}
