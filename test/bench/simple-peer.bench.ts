import { Session } from '../../src/session/session.js'
import { bareSimplePeerPair, simplePeerNodeDataChannelPair, simplePeerWrtcPair } from '../helpers/simple-peer-pair.js'
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

async function sendThroughput(a: BarePeer, b: BarePeer, totalBytes: number): Promise<number> {
  const chunk = new Uint8Array(64 * 1024).fill(3)
  const count = Math.ceil(totalBytes / chunk.length)
  let received = 0
  const done = new Promise<void>((resolve) => {
    const onData = (data: unknown): void => {
      received += (data as Uint8Array).byteLength
      if (received >= count * chunk.length) {
        b.removeListener('data', onData)
        resolve()
      }
    }
    b.on('data', onData)
  })
  const started = performance.now()
  for (let sent = 0; sent < count; sent++) {
    for (let polls = 0; a.bufferSize > 1024 * 1024; polls++) {
      if (polls > 100_000) throw new Error('simple-peer throughput: the buffer never drained')
      await new Promise((resolve) => setTimeout(resolve, 1))
    }
    a.send(chunk)
  }
  await done
  if (received !== count * chunk.length) throw new Error(`simple-peer throughput: received ${received} bytes`)
  return received / 1e6 / ((performance.now() - started) / 1000)
}
