import { Session } from '../../src/session.js'
import { bareSimplePeerPair, simplePeerNodeDataChannelPair, simplePeerWrtcPair } from '../helpers/simple-peer-pair.js'
import { measureBulk } from './bulk.js'
import { benchTypedChannel } from './channel.bench.js'

/**
 * Bulk throughput through simple-peer 9: its own `send()` of 64 KiB messages (backpressure by
 * polling `bufferSize`, as its docs suggest for `send`), then netbeam's typed channel over a
 * simple-peer connection of the same stack (via `fromSimplePeer`). Same data size, same run.
 */
export async function benchSimplePeerThroughput(
  stack: 'wrtc' | 'node-datachannel',
  totalBytes: number,
): Promise<{ simplePeerMBps: number; netbeamMBps: number }> {
  const bare = await bareSimplePeerPair(stack)
  let simplePeerMBps: number
  try {
    simplePeerMBps = await sendThroughput(bare.peerA, bare.peerB, totalBytes)
  } finally {
    await bare.close()
  }
  const frames = await (stack === 'wrtc' ? simplePeerWrtcPair() : simplePeerNodeDataChannelPair())
  try {
    const [leader, follower] = await Promise.all([Session.open(frames.a, { role: 'leader' }), Session.open(frames.b, { role: 'follower' })])
    try {
      const { bulkMBps } = await benchTypedChannel({ leader, follower }, { smallCount: 100, bulkBytes: totalBytes })
      return { simplePeerMBps, netbeamMBps: bulkMBps }
    } finally {
      await Promise.all([leader.close(), follower.close()])
    }
  } finally {
    await frames.close()
  }
}

interface BarePeer {
  send(data: Uint8Array<ArrayBuffer>): void
  readonly bufferSize: number
  on(event: string, listener: (...args: unknown[]) => void): unknown
  removeListener(event: string, listener: (...args: unknown[]) => void): unknown
}

function sendThroughput(a: BarePeer, b: BarePeer, totalBytes: number): Promise<number> {
  return measureBulk(
    {
      what: 'simple-peer',
      send: (chunk) => a.send(chunk),
      buffered: () => a.bufferSize,
      onReceived(listener) {
        const onData = (data: unknown): void => listener((data as Uint8Array).byteLength)
        b.on('data', onData)
        return () => b.removeListener('data', onData)
      },
    },
    totalBytes,
  )
}
