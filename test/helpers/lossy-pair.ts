/**
 * node-datachannel pairs whose every datagram crosses a {@link LossyPath}: the path is open (with
 * its conditions) before the peers connect, so ICE and DTLS meet it too.
 */
import type { FrameChannelOptions } from '../../src/transport/frame-channel.js'
import { LossyPath, type PathConditions } from './lossy-path.js'
import { framePair, rawNodeDataChannelPair, type DataChannelFramePair, type RawDataChannelPair, type RawPairOptions } from './webrtc-pair.js'

export { LOSSY_PATH, LossyPath, type PathConditions, type PathStats } from './lossy-path.js'

export interface LossyRawPair extends RawDataChannelPair {
  readonly path: LossyPath
}

export interface LossyFramePair extends DataChannelFramePair {
  readonly path: LossyPath
}

/** Two open RTCDataChannels over node-datachannel, relayed through a new {@link LossyPath}. */
export async function lossyRawPair(conditions: PathConditions, seed: number, options: RawPairOptions = {}): Promise<LossyRawPair> {
  const path = await LossyPath.open(conditions, seed)
  try {
    const raw = await rawNodeDataChannelPair({ ...options, rewrite: path.rewrite })
    return {
      ...raw,
      path,
      async close() {
        await raw.close()
        await path.close()
      },
    }
  } catch (err) {
    await path.close()
    throw err
  }
}

/** FrameChannels over {@link lossyRawPair}; `close()` also closes the path. */
export async function lossyFramePair(
  conditions: PathConditions,
  seed: number,
  options: FrameChannelOptions = {},
  baselineLabel?: string,
): Promise<LossyFramePair> {
  let path: LossyPath | undefined
  const connect = async (rawOptions: RawPairOptions): Promise<RawDataChannelPair> => {
    const raw = await lossyRawPair(conditions, seed, rawOptions)
    path = raw.path
    return raw
  }
  const frames = await framePair(connect, options, baselineLabel === undefined ? {} : { baselineLabel })
  if (path === undefined) throw new Error('the lossy pair has no path')
  return { ...frames, path }
}
