import { describe, expect, it } from 'vitest'
import { createFrameCodec } from '../../src/codec/codec.js'
import { encodeSessionFrame } from '../../src/core/wire.js'
import { MAX_UNOPENED_ENDED_SCOPES } from '../../src/core/scope/scope-registry.js'
import { MAX_SCOPE_DEPTH, SCOPE_SEPARATOR } from '../../src/core/scope/scope-path.js'
import { sessionCore } from '../../src/session.js'
import { rejectionOf } from '../helpers/promises.js'
import { attack, portFrame } from './hostile-peer.js'

// A peer that addresses scopes it should not: unknown ones, ended ones, absurdly nested ones.
// Either what it sends is held within the session's bounds, or the session closes with
// `protocol`; nothing throws out of a handler, and the victim process goes on.

const codec = createFrameCodec({ maxDepth: 64, maxItems: 1_000_000 })
const end = (path: string, how: 'fin' | 'reset' = 'reset', reason = 'x'): Uint8Array => codec.encode(encodeSessionFrame({ type: 'scopeEnd', path, how, reason }))
const path = (...names: string[]): string => names.join(SCOPE_SEPARATOR)
/** A raw exchange `value` (the exchange wire: tag 0, the value). */
const exchangeFrame = (key: string, value: unknown): Uint8Array => portFrame(key, 'exchange', [0, value])

describe('hostile frames for scopes', () => {
  it(`a key nested deeper than ${MAX_SCOPE_DEPTH} scopes closes the session with protocol`, async () => {
    const a = await attack()
    a.send(exchangeFrame(path(...Array.from({ length: MAX_SCOPE_DEPTH + 1 }, () => 's'), 'k'), 1))
    const reason = await a.victim.closed
    expect(reason.code).toBe('protocol')
    expect(reason.message).toMatch(/nested too deep|malformed/)
  })

  it.each([
    ['an empty scope name', path('a', '', 'k')],
    ['an empty key after a scope', path('a', '')],
    ['a 10,000-level path', 'a'.concat(SCOPE_SEPARATOR.repeat(10_000), 'k')],
  ])('%s closes the session with protocol', async (_, key) => {
    const a = await attack()
    a.send(exchangeFrame(key, 1))
    expect((await a.victim.closed).code).toBe('protocol')
  })

  it('frames for scopes never opened here are held within the session bounds, and dropped when the peer ends them', async () => {
    const a = await attack({ maxPendingMessages: 500 })
    for (let i = 0; i < 400; i++) a.send(exchangeFrame(path(`unknown${i}`, 'deeper', 'k'), new Uint8Array(100)))
    expect(a.victim.stats.heldMessages).toBe(400)
    for (let i = 0; i < 400; i++) a.send(end(path(`unknown${i}`, 'deeper')))
    expect(a.victim.stats).toMatchObject({ heldMessages: 0, heldBytes: expect.any(Number) })
    expect(a.victim.isClosed).toBe(false)
    // Past the bound, as for any key: protocol.
    for (let i = 0; i < 501; i++) a.send(exchangeFrame(path('flood', `k${i}`), 1))
    expect((await a.victim.closed).code).toBe('protocol')
  })

  it(`ends of more than ${MAX_UNOPENED_ENDED_SCOPES} scopes never opened here close the session with protocol`, async () => {
    const a = await attack()
    for (let i = 0; i < MAX_UNOPENED_ENDED_SCOPES; i++) a.send(end(`s${i}`))
    expect(a.victim.isClosed).toBe(false)
    expect(sessionCore(a.victim).scopes.size).toBe(MAX_UNOPENED_ENDED_SCOPES)
    a.send(end('one-more'))
    const reason = await a.victim.closed
    expect(reason.code).toBe('protocol')
    expect(reason.message).toContain('never opened here')
  })

  it('a scope the peer reset before this side opened it opens reset; a second end of one scope closes the session with protocol', async () => {
    const a = await attack()
    a.send(end('early', 'reset', 'too late'))
    const scope = a.victim.scope('early')
    const err = await rejectionOf(scope.exchange(1), 'aborted')
    expect(err.message).toContain('too late')
    await scope.closed
    a.send(end('twice', 'fin'))
    a.send(end('twice', 'fin'))
    const reason = await a.victim.closed
    expect(reason.code).toBe('protocol')
    expect(reason.message).toContain('second end')
  })

  it('frames for a scope the peer already ended are held, not delivered, and go with the scope', async () => {
    const a = await attack()
    const scope = a.victim.scope('done')
    const pending = scope.exchange(1, { key: 'late' })
    pending.catch(() => undefined)
    a.send(end('done', 'fin'))
    await rejectionOf(pending, 'closed')
    // The peer sends for it anyway: a new use of the name, held until this side opens one.
    a.send(exchangeFrame(path('done', 'late'), 2))
    expect(a.victim.stats.heldMessages).toBe(1)
    expect(a.victim.isClosed).toBe(false)
  })
})
