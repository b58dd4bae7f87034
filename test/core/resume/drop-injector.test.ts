import { describe, expect, it } from 'vitest'
import { dropInjector } from '../../helpers/drop-injector.js'
import { prng } from '../../helpers/prng.js'
import { nextMacrotask } from '../../helpers/promises.js'

/** The drop injector itself: where its cuts fall, and what each end sees. */
describe('drop injector', () => {
  it('carries frames whole, large ones in chunks, until cut', async () => {
    const link = dropInjector({ random: prng(1), chunkBytes: 1024 }).link()
    const got: number[] = []
    link.ends[1].onFrame((frame) => got.push(frame.length))
    await Promise.all([link.ends[0].send(new Uint8Array(10)), link.ends[0].send(new Uint8Array(5000))])
    while (got.length < 2) await nextMacrotask()
    expect(got).toEqual([10, 5000])
    expect(link.messages).toBe(1 + 5) // one whole frame, one frame in 5 chunks
  })

  it('cuts inside a chunked frame: the frame is lost and both ends see an abrupt close', async () => {
    const link = dropInjector({ random: prng(2), chunkBytes: 1024, latencyMs: 1 }).link()
    const got: Uint8Array[] = []
    link.ends[1].onFrame((frame) => got.push(frame))
    link.cutAt(2, { insideChunkedFrame: true })
    void link.ends[0].send(new Uint8Array(10)).catch(() => undefined)
    void link.ends[0].send(new Uint8Array(5000)).catch(() => undefined)
    const cut = await link.cut
    expect(cut).toMatchObject({ before: 'next-chunk', insideChunkedFrame: true, how: 'abrupt', afterMessages: 3 })
    expect(cut.lostInFlight).toBeGreaterThan(0)
    const [r0, r1] = await Promise.all([link.ends[0].closed, link.ends[1].closed])
    expect([r0.message, r1.message]).toEqual(['the link was cut', 'the link was cut'])
    expect(got).toEqual([]) // the small frame was in flight (1 ms latency) and is lost too
  })

  it('a silent cut tells neither end; cutAt(Infinity) disarms', async () => {
    const link = dropInjector({ random: prng(3) }).link()
    link.cutAt(1)
    link.cutAt(Infinity)
    await link.ends[0].send(new Uint8Array(1))
    expect(link.isCut).toBe(false)
    link.cutNow('silent')
    await link.ends[0].send(new Uint8Array(1)) // dropped without a word
    for (let i = 0; i < 20; i++) await nextMacrotask()
    expect([link.ends[0].isClosed, link.ends[1].isClosed]).toEqual([false, false])
    link.ends[0].close()
    link.ends[1].close()
  })
})
