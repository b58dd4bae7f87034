import { describe, expect, it } from 'vitest'
import { NetError } from '../../src/base/errors.js'
import type { PortHandlers } from '../../src/core/port.js'
import { PortRouter, type PortHost } from '../../src/core/port-router.js'

function router(maxPending = 100): { router: PortRouter; failures: NetError[]; cancels: string[] } {
  const failures: NetError[] = []
  const cancels: string[] = []
  const host: PortHost = {
    isLeader: true,
    sendPortMessage: () => Promise.resolve(),
    sendCancel: (key, type) => {
      cancels.push(`${type} ${key}`)
      return Promise.resolve()
    },
    now: () => 0,
    clockErrorBound: () => 0,
  }
  return { router: new PortRouter(host, maxPending, (err) => failures.push(err)), failures, cancels }
}

/** Handlers that record what arrives; `cancellable` adds the one-shot cancel handlers. */
function collector(cancellable = false) {
  const got: unknown[] = []
  const closed: NetError[] = []
  const handlers: PortHandlers<unknown> = { parse: (m) => m, onMessage: (m) => void got.push(m), onClose: (r) => void closed.push(r) }
  if (cancellable) {
    handlers.onPeerCancel = () => void got.push('peer cancelled')
    handlers.onCancelAnswered = () => void got.push('cancel answered')
  }
  return { got, closed, handlers }
}

const microtask = (): Promise<void> => new Promise((resolve) => queueMicrotask(resolve))

describe('PortRouter', () => {
  it('holds messages for a key until it opens, then delivers them in order', async () => {
    const { router: r } = router()
    r.route('k', 'join', 1, 0)
    r.route('k', undefined, 2, 0)
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
    r.route('k', 'exchange', 'a', 0)
    r.route('k', 'exchange', 'b', 0) // the peer already started the next use of "k"
    expect(first.got).toEqual(['a'])
    port.release()
    const second = collector()
    r.openPort('exchange', 'k', second.handlers)
    await microtask()
    expect(second.got).toEqual(['b'])
  })

  it('refuses a message that continues no instance', () => {
    const { router: r } = router()
    expect(() => r.route('k', undefined, 1, 0)).toThrow(/before its first message/)
    r.openPort('join', 'open-but-not-introduced', collector().handlers)
    expect(() => r.route('open-but-not-introduced', undefined, 1, 0)).toThrow(/before its first message/)
  })

  it('refuses a kind that differs from the local port, whichever side opened first', async () => {
    const { router: r, failures } = router()
    r.openPort('join', 'a', collector().handlers)
    expect(() => r.route('a', 'mutex', 1, 0)).toThrow(/"a" is used for join here but for mutex on the peer/)
    r.route('b', 'select', 1, 0)
    r.openPort('exchange', 'b', collector().handlers)
    await microtask()
    expect(failures.map((f) => f.message)).toEqual([expect.stringMatching(/"b" is used for exchange here but for select/)])
  })

  it('bounds what it holds for unopened keys', () => {
    const { router: r } = router(3)
    for (let i = 0; i < 3; i++) r.route(`k${i}`, 'join', i, 0)
    expect(() => r.route('k9', 'join', 9, 0)).toThrow(/more than 3 messages/)
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

describe('PortRouter: a peer cancel', () => {
  it('reaches an open port that has the peer messages, and is ignored where nothing is open or a later instance waits for its first message', () => {
    const { router: r, cancels } = router()
    const c = collector(true)
    r.openPort('join', 'k', c.handlers)
    r.routeCancel('k') // a later instance, its first message not here yet: the cancelled one is settled here
    r.route('k', 'join', 'done', 0)
    r.routeCancel('k')
    expect(c.got).toEqual(['done', 'peer cancelled'])
    r.routeCancel('never-used')
    expect(cancels).toEqual([])
    expect(r.pendingMessages).toBe(0)
  })

  it('queued behind held messages the port has not received yet, and delivered after them', async () => {
    const { router: r, cancels } = router()
    r.route('k', 'join', 'done', 0)
    const c = collector(true)
    r.openPort('join', 'k', c.handlers) // the held message is delivered on a microtask
    r.routeCancel('k')
    r.routeCancel('k') // a repeat changes nothing
    expect(c.got).toEqual([])
    await microtask()
    expect(c.got).toEqual(['done', 'peer cancelled'])
    expect(cancels).toEqual([])
    expect(r.pendingMessages).toBe(0)
  })

  it('dropped with the rest of an instance whose port was released by its last message', async () => {
    const { router: r, failures } = router()
    r.route('k', 'exchange', 'value', 0)
    const got: unknown[] = []
    const port = r.openPort('exchange', 'k', { parse: (m) => m, onMessage: (m) => (got.push(m), port.release()), onClose() {}, onPeerCancel: () => got.push('cancel') })
    r.routeCancel('k')
    await microtask()
    expect(got).toEqual(['value'])
    expect(r.pendingMessages).toBe(0)
    const next = collector(true)
    r.openPort('exchange', 'k', next.handlers)
    r.route('k', 'exchange', 'again', 0)
    expect(next.got).toEqual(['again'])
    expect(failures).toEqual([])
  })

  it('for an instance never opened here: a mark replaces its messages, the peer is answered at once, and the open refuses once', async () => {
    const { router: r, cancels } = router()
    r.route('k', 'select', 'done', 0)
    r.route('k', undefined, 'more', 0)
    r.routeCancel('k')
    expect(cancels).toEqual(['cancelled k'])
    expect(r.pendingMessages).toBe(1)
    r.routeCancel('k') // a repeat is not answered twice
    expect(cancels).toEqual(['cancelled k'])
    r.route('k', 'select', 'next use', 0) // the peer's next instance queues behind the mark
    expect(() => r.openPort('select', 'k', collector(true).handlers)).toThrow(
      expect.objectContaining({ code: 'aborted', message: expect.stringMatching(/aborted by the peer before it was called here/) }),
    )
    expect(r.openCount).toBe(0)
    const next = collector(true)
    r.openPort('select', 'k', next.handlers)
    await microtask()
    expect(next.got).toEqual(['next use'])
    expect(r.pendingMessages).toBe(0)
  })

  it('marks only the last instance held: the one the peer cancelled', async () => {
    const { router: r } = router()
    r.route('k', 'mutex', 'lock traffic', 0) // an instance still held here
    r.route('k', 'join', 'done', 0)
    r.routeCancel('k')
    expect(r.pendingMessages).toBe(2)
    const lock = collector()
    const port = r.openPort('mutex', 'k', lock.handlers)
    await microtask()
    expect(lock.got).toEqual(['lock traffic'])
    port.release()
    expect(() => r.openPort('join', 'k', collector(true).handlers)).toThrow(expect.objectContaining({ code: 'aborted' }))
    expect(r.pendingMessages).toBe(0)
  })

  it('fails with NetError protocol for a port that cannot be cancelled, and for a mark opened as another kind', () => {
    const a = router()
    a.router.openPort('mutex', 'm', collector().handlers)
    a.router.route('m', 'mutex', 'request', 0)
    expect(() => a.router.routeCancel('m')).toThrow(/peer sent a cancel of operation "m", a mutex, which cannot be cancelled/)
    const b = router()
    b.router.route('c', 'channel', 'hello', 0)
    b.router.routeCancel('c')
    expect(() => b.router.openPort('channel', 'c', collector().handlers)).toThrow(expect.objectContaining({ code: 'protocol' }))
    expect(b.failures).toHaveLength(1)
    const c = router()
    c.router.route('x', 'join', 'done', 0)
    c.router.routeCancel('x')
    expect(() => c.router.openPort('exchange', 'x', collector(true).handlers)).toThrow(/used for exchange here but for join on the peer/)
    expect(c.failures).toHaveLength(1)
  })

  it('an answer reaches only a port that can take it; any other is a protocol error', () => {
    const { router: r } = router()
    const c = collector(true)
    r.openPort('join', 'k', c.handlers)
    r.routeCancelled('k')
    expect(c.got).toEqual(['cancel answered'])
    expect(() => r.routeCancelled('nothing-open')).toThrow(expect.objectContaining({ code: 'protocol' }))
    r.openPort('channel', 'ch', collector().handlers)
    expect(() => r.routeCancelled('ch')).toThrow(expect.objectContaining({ code: 'protocol' }))
  })

  it('costs nothing for keys with nothing held: 10,000 hostile cancels keep nothing and answer nothing', () => {
    const { router: r, cancels } = router(10)
    for (let i = 0; i < 10_000; i++) r.routeCancel(`random:${i}`)
    expect(r.pendingMessages).toBe(0)
    expect(cancels).toEqual([])
    // A mark never costs more than the messages it replaced: the bound still holds.
    for (let i = 0; i < 10; i++) r.route(`held:${i}`, 'join', i, 0)
    for (let i = 0; i < 10; i++) r.routeCancel(`held:${i}`)
    expect(r.pendingMessages).toBe(10)
    expect(() => r.route('one-more', 'join', 0, 0)).toThrow(/more than 10 messages/)
  })
})

describe('PortRouter: a retired port', () => {
  it('frees its key at once and still takes the peer message of its own instance, which comes first', () => {
    const { router: r, failures } = router()
    const first = collector(true)
    const old = r.openPort('join', 'k', first.handlers)
    old.retire()
    const second = collector(true)
    r.openPort('join', 'k', second.handlers) // no "already in use"
    expect(r.openCount).toBe(2)
    r.route('k', 'join', 'answer to the first', 0)
    expect(first.got).toEqual(['answer to the first'])
    old.release()
    r.routeCancel('k') // the peer's cancel of its first instance: nothing of it is here any more
    r.route('k', 'join', 'the second', 0)
    expect(second.got).toEqual(['the second'])
    expect(r.openCount).toBe(1)
    expect(failures).toEqual([])
  })

  it('retired before its held messages were delivered: they still go to it, and what follows to the next port', async () => {
    const { router: r } = router()
    r.route('k', 'exchange', 'first instance', 0)
    const first = collector(true)
    const old = r.openPort('exchange', 'k', {
      ...first.handlers,
      onMessage: (m) => {
        first.got.push(m)
        old.release()
      },
    })
    old.retire() // settled before the microtask that delivers what was held
    const second = collector(true)
    r.openPort('exchange', 'k', second.handlers)
    r.route('k', 'exchange', 'second instance', 0) // held behind the first, in order
    await microtask()
    expect(first.got).toEqual(['first instance'])
    await microtask()
    expect(second.got).toEqual(['second instance'])
    expect(r.pendingMessages).toBe(0)
  })

  it('releasing hands what was held behind it to the next receiver', async () => {
    const { router: r } = router()
    const first = collector(true)
    const old = r.openPort('syncStart', 'k', first.handlers)
    r.route('k', 'syncStart', 'ready', 0)
    old.retire()
    const second = collector(true)
    r.openPort('syncStart', 'k', second.handlers)
    r.route('k', undefined, 'final', 0) // still the retired instance
    r.route('k', 'syncStart', 'next ready', 0) // the next instance: held while the retired one is open
    expect(first.got).toEqual(['ready', 'final'])
    expect(second.got).toEqual([])
    old.release()
    await microtask()
    expect(second.got).toEqual(['next ready'])
  })

  it('is closed with the session, and the key with it', () => {
    const { router: r } = router()
    const first = collector(true)
    r.openPort('join', 'k', first.handlers).retire()
    const reason = new NetError('closed', 'gone')
    r.closeAll(reason)
    expect(first.closed).toEqual([reason])
    expect(r.openCount).toBe(0)
  })
})
