import { describe, expect, it } from 'vitest'
import { NetError } from '../../src/errors.js'
import { PortRouter, type PortHost } from '../../src/session/port-router.js'

const host: PortHost = {
  isLeader: true,
  sendPortMessage: () => Promise.resolve(),
  now: () => 0,
  clockErrorBound: () => 0,
}

function router(maxPending = 100): { router: PortRouter; failures: NetError[] } {
  const failures: NetError[] = []
  return { router: new PortRouter(host, maxPending, (err) => failures.push(err)), failures }
}

function collector(): { got: unknown[]; handlers: { parse: (m: unknown) => unknown; onMessage: (m: unknown) => void; onClose: (r: NetError) => void }; closed: NetError[] } {
  const got: unknown[] = []
  const closed: NetError[] = []
  return { got, closed, handlers: { parse: (m) => m, onMessage: (m) => void got.push(m), onClose: (r) => void closed.push(r) } }
}

const microtask = (): Promise<void> => new Promise((resolve) => queueMicrotask(resolve))

describe('PortRouter', () => {
  it('holds messages for a key until it opens, then delivers them in order', async () => {
    const { router: r } = router()
    r.route('k', 'join', 1)
    r.route('k', undefined, 2)
    expect(r.pendingMessages).toBe(2)
    const c = collector()
    r.openPort('join', 'k', c.handlers)
    await microtask()
    expect(c.got).toEqual([1, 2])
    expect(r.pendingMessages).toBe(0)
  })

  it('keeps a later instance of the key held while the current one is open', async () => {
    const { router: r } = router()
    const first = collector()
    const port = r.openPort('exchange', 'k', first.handlers)
    r.route('k', 'exchange', 'a')
    r.route('k', 'exchange', 'b') // the peer already started the next use of "k"
    expect(first.got).toEqual(['a'])
    port.release()
    const second = collector()
    r.openPort('exchange', 'k', second.handlers)
    await microtask()
    expect(second.got).toEqual(['b'])
  })

  it('refuses a message that continues no instance', () => {
    const { router: r } = router()
    expect(() => r.route('k', undefined, 1)).toThrow(/before its first message/)
    r.openPort('join', 'open-but-not-introduced', collector().handlers)
    expect(() => r.route('open-but-not-introduced', undefined, 1)).toThrow(/before its first message/)
  })

  it('refuses a kind that differs from the local port, whichever side opened first', async () => {
    const { router: r, failures } = router()
    r.openPort('join', 'a', collector().handlers)
    expect(() => r.route('a', 'mutex', 1)).toThrow(/"a" is used for join here but for mutex on the peer/)
    r.route('b', 'select', 1)
    r.openPort('exchange', 'b', collector().handlers)
    await microtask()
    expect(failures.map((f) => f.message)).toEqual([expect.stringMatching(/"b" is used for exchange here but for select/)])
  })

  it('bounds what it holds for unopened keys', () => {
    const { router: r } = router(3)
    for (let i = 0; i < 3; i++) r.route(`k${i}`, 'join', i)
    expect(() => r.route('k9', 'join', 9)).toThrow(/more than 3 messages/)
  })

  it('refuses a second open of a key in use and tells open ports when it closes', () => {
    const { router: r } = router()
    const c = collector()
    r.openPort('join', 'k', c.handlers)
    expect(() => r.openPort('join', 'k', collector().handlers)).toThrow(/already in use/)
    const reason = new NetError('closed', 'gone')
    r.closeAll(reason)
    expect(c.closed).toEqual([reason])
    expect(() => r.openPort('join', 'x', collector().handlers)).toThrow(reason)
  })
})
