import { measureBulk } from './bulk.js'
import { summarize, timeRounds, type Summary } from './stats.js'

/** The two ends of a raw, open RTCDataChannel. */
export interface RawChannels {
  readonly dcA: RTCDataChannel
  readonly dcB: RTCDataChannel
}

/** One raw ping-pong round at a time over a DataChannel pair; `dispose` removes its listeners. */
export interface RawPinger {
  /** Sends a 16-byte binary message from `dcA`, echoed by `dcB`; resolves when it is back and checked. */
  round(i: number): Promise<void>
  /** Removes the echo; idempotent. */
  dispose(): void
}

/**
 * Ping-pong of a 16-byte binary message straight over the DataChannel: the baseline every
 * netbeam latency is compared with. Each echo is checked against what was sent.
 */
export function rawPinger({ dcA, dcB }: RawChannels): RawPinger {
  dcA.binaryType = 'arraybuffer'
  dcB.binaryType = 'arraybuffer'
  const echo = (event: MessageEvent): void => dcB.send(event.data as ArrayBuffer)
  dcB.addEventListener('message', echo)
  let waiting: ((data: ArrayBuffer) => void) | undefined
  const onReply = (event: MessageEvent): void => waiting?.(event.data as ArrayBuffer)
  dcA.addEventListener('message', onReply)
  return {
    round: (i) =>
      new Promise<void>((resolve, reject) => {
        const ping = new Float64Array([i, Math.PI])
        waiting = (data) => {
          const back = new Float64Array(data)
          if (back[0] !== i || back[1] !== Math.PI) reject(new Error(`raw echo ${i} came back wrong`))
          else resolve()
        }
        dcA.send(ping.buffer)
      }),
    dispose() {
      dcB.removeEventListener('message', echo)
      dcA.removeEventListener('message', onReply)
    },
  }
}

/** {@link rawPinger}'s RTT over `rounds` rounds, after a short warm-up. */
export async function benchRawRtt(channels: RawChannels, rounds: number): Promise<Summary> {
  const pinger = rawPinger(channels)
  try {
    await timeRounds(Math.min(50, rounds), pinger.round)
    return summarize(await timeRounds(rounds, pinger.round))
  } finally {
    pinger.dispose()
  }
}

/** One-way bulk throughput straight over the DataChannel (see {@link measureBulk}), in MB/s. */
export function benchRawThroughput({ dcA, dcB }: RawChannels, totalBytes: number): Promise<number> {
  return measureBulk(
    {
      what: 'raw DataChannel',
      send: (chunk) => dcA.send(chunk),
      buffered: () => dcA.bufferedAmount,
      onReceived(listener) {
        const onMessage = (event: MessageEvent): void => listener((event.data as ArrayBuffer).byteLength)
        dcB.addEventListener('message', onMessage)
        return () => dcB.removeEventListener('message', onMessage)
      },
    },
    totalBytes,
  )
}

/**
 * Both ends send one 16-byte message at the same moment and wait for the other's: the raw
 * analogue of a join (each side sends once and needs the peer's message). Timed on `dcA`.
 */
export async function benchRawCrossing({ dcA, dcB }: RawChannels, rounds: number): Promise<Summary> {
  dcA.binaryType = 'arraybuffer'
  dcB.binaryType = 'arraybuffer'
  let onA: ((data: ArrayBuffer) => void) | undefined
  let onB: ((data: ArrayBuffer) => void) | undefined
  const listenA = (event: MessageEvent): void => onA?.(event.data as ArrayBuffer)
  const listenB = (event: MessageEvent): void => onB?.(event.data as ArrayBuffer)
  dcA.addEventListener('message', listenA)
  dcB.addEventListener('message', listenB)
  const arrival = (set: (f: (data: ArrayBuffer) => void) => void, i: number): Promise<void> =>
    new Promise<void>((resolve, reject) =>
      set((data) => (new Float64Array(data)[0] === i ? resolve() : reject(new Error(`raw crossing ${i} got the wrong message`)))),
    )
  try {
    const round = async (i: number): Promise<void> => {
      const atA = arrival((f) => (onA = f), i)
      const atB = arrival((f) => (onB = f), i)
      dcA.send(new Float64Array([i, 0]).buffer)
      dcB.send(new Float64Array([i, 1]).buffer)
      await atA
      await atB
    }
    await timeRounds(Math.min(50, rounds), round)
    return summarize(await timeRounds(rounds, round))
  } finally {
    dcA.removeEventListener('message', listenA)
    dcB.removeEventListener('message', listenB)
  }
}
