/** One sending end and one receiving end of a transport under a bulk benchmark. */
export interface BulkEnds {
  /** Names the transport in error messages. */
  readonly what: string
  send(chunk: Uint8Array<ArrayBuffer>): void
  /** Bytes the sender's transport still holds. */
  buffered(): number
  /** Calls `listener` with each received message's size; returns the unsubscribe. */
  onReceived(listener: (bytes: number) => void): () => void
}

/**
 * One-way throughput of `totalBytes` in 64 KiB messages, sending while the transport holds at
 * most 1 MiB (netbeam's high-water mark) and polling the buffer otherwise, because some stacks
 * never fire bufferedamountlow. The receiver's byte count is checked. Returns MB/s.
 */
export async function measureBulk(ends: BulkEnds, totalBytes: number): Promise<number> {
  const chunk = new Uint8Array(64 * 1024).fill(7)
  const count = Math.ceil(totalBytes / chunk.length)
  let received = 0
  const done = new Promise<void>((resolve) => {
    const stop = ends.onReceived((bytes) => {
      received += bytes
      if (received >= count * chunk.length) {
        stop()
        resolve()
      }
    })
  })
  const started = performance.now()
  for (let sent = 0; sent < count; sent++) {
    for (let polls = 0; ends.buffered() > 1024 * 1024; polls++) {
      if (polls > 100_000) throw new Error(`${ends.what} throughput: the buffer never drained`)
      await new Promise((resolve) => setTimeout(resolve, 1))
    }
    ends.send(chunk)
  }
  await done
  if (received !== count * chunk.length) throw new Error(`${ends.what} throughput: received ${received} bytes`)
  return received / 1e6 / ((performance.now() - started) / 1000)
}
