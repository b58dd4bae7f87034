import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'
import { describe, expect, it } from 'vitest'
import { encodeFirst } from '../../src/transport/chunk-codec.js'
import { openRawVictim } from '../helpers/fake-data-channel.js'

const FRAMES = 32
const CHUNK_BYTES = 1024 * 1024

describe('a closed session drops its reassembly buffers at once', () => {
  it(`${FRAMES} unfinished 2 MiB frames (1 MiB received each) are released when the session closes, while the session is still referenced`, async () => {
    setFlagsFromString('--expose-gc')
    const gc = runInNewContext('gc') as () => void
    const held = (): number => {
      gc()
      gc()
      return process.memoryUsage().arrayBuffers
    }
    const victim = await openRawVictim({ heartbeatMs: 1000, timeoutMs: 10_000 })
    const before = held()
    // First chunks of frames that never finish: the far end's own ArrayBuffers, held by reassembly.
    for (let id = 1; id <= FRAMES; id++) victim.dc.deliver(encodeFirst(id, new Uint8Array(2 * CHUNK_BYTES), CHUNK_BYTES))
    await victim.settled()
    expect(victim.session.isClosed).toBe(false)
    const attacked = held() - before
    // Each first chunk is a 1 MiB ArrayBuffer the reassembler keeps (the test kept none of them).
    expect(attacked, 'the unfinished frames must be held while the session is open').toBeGreaterThan((FRAMES * CHUNK_BYTES) / 2)
    await victim.session.close()
    const after = held() - before
    console.log(`reassembly: ${(attacked / 2 ** 20).toFixed(1)} MiB held while open, ${(after / 2 ** 20).toFixed(1)} MiB after close`)
    expect(after, 'still held after the session closed').toBeLessThan(attacked / 8)
    expect(victim.session.isClosed).toBe(true) // the session (and its channel) are still referenced here
  })
})
