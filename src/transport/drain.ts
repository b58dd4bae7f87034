/** The parts of a buffered transport that a drain wait needs. */
export interface DrainSource {
  readonly bufferedAmount: number
  /** Subscribes to the transport's "buffer is low" event, if it has one; returns the unsubscribe. */
  onLow(listener: () => void): () => void
  /** Subscribes to the transport closing; returns the unsubscribe. */
  onClose(listener: () => void): () => void
  readonly isClosed: boolean
}

/**
 * Resolves once `source.bufferedAmount <= lowWater` or the source closed. Event driven where the
 * transport fires its low-buffer event; a timer re-checks every `pollMs` because some
 * implementations (@roamhq/wrtc) never fire it. Every listener and timer is removed on exit.
 */
export function waitForDrain(source: DrainSource, lowWater: number, pollMs: number): Promise<void> {
  if (source.isClosed || source.bufferedAmount <= lowWater) return Promise.resolve()
  return new Promise<void>((resolve) => {
    let timer: ReturnType<typeof setTimeout> | undefined
    const check = (): void => {
      clearTimeout(timer)
      if (source.isClosed || source.bufferedAmount <= lowWater) finish()
      else timer = setTimeout(check, pollMs)
    }
    const offLow = source.onLow(check)
    const offClose = source.onClose(finish)
    function finish(): void {
      clearTimeout(timer)
      offLow()
      offClose()
      resolve()
    }
    timer = setTimeout(check, pollMs)
  })
}
