import { describe, expect, it } from 'vitest'
import { NetError } from '../../src/base/errors.js'
import type { PortHandlers } from '../../src/core/port.js'
import { PortRouter, type PortHost } from '../../src/core/port-router.js'

function router(): { router: PortRouter; failures: NetError[] } {
  const failures: NetError[] = []
  const host: PortHost = {
    isLeader: true,
    sendPortMessage: () => Promise.resolve(),
    sendCancel: () => Promise.resolve(),
    now: () => 0,
    clockErrorBound: () => 0,
  }
  return { router: new PortRouter(host, 100, (err) => failures.push(err)), failures }
}

function collector() {
  const got: unknown[] = []
  const handlers: PortHandlers<unknown> = { parse: (m) => m, onMessage: (m) => void got.push(m), onClose: () => {} }
  return { got, handlers }
}

const microtask = (): Promise<void> => new Promise((resolve) => queueMicrotask(resolve))

describe('PortRouter.acceptPorts', () => {
  it("opens the port for the peer's first message of the kind, synchronously, and delivers it", () => {
    const { router: r } = router()
    const c = collector()
    const accepted: string[] = []
    r.acceptPorts('svc', (key) => {
      accepted.push(key)
      r.openPort('svc', key, c.handlers)
    })
    r.route('a', 'svc', 1, 0)
    r.route('a', undefined, 2, 0)
    expect([accepted, c.got, r.pendingMessages]).toEqual([['a'], [1, 2], 0])
  })

  it('offers what was held before the acceptor came, and leaves other kinds held', async () => {
    const { router: r } = router()
    r.route('a', 'svc', 1, 0)
    r.route('a', undefined, 2, 0)
    r.route('b', 'join', 3, 0)
    const c = collector()
    const accepted: string[] = []
    r.acceptPorts('svc', (key) => {
      accepted.push(key)
      r.openPort('svc', key, c.handlers)
    })
    expect(accepted).toEqual(['a'])
    await microtask()
    expect([c.got, r.pendingMessages]).toEqual([[1, 2], 1])
  })

  it('lets an acceptor refuse (open, release): the message is dropped, the next first message is offered again', () => {
    const { router: r } = router()
    let offers = 0
    r.acceptPorts('svc', (key) => {
      offers++
      r.openPort('svc', key, collector().handlers).release()
    })
    r.route('a', 'svc', 1, 0)
    r.route('a', 'svc', 2, 0)
    expect([offers, r.pendingMessages, r.openCount]).toEqual([2, 0, 0])
  })

  it('one acceptor per kind; after stop, messages of the kind are held again', () => {
    const { router: r } = router()
    const stop = r.acceptPorts('svc', (key) => void r.openPort('svc', key, collector().handlers))
    expect(() => r.acceptPorts('svc', () => {})).toThrow(NetError)
    stop()
    r.route('a', 'svc', 1, 0)
    expect(r.pendingMessages).toBe(1)
    r.acceptPorts('svc', (key) => void r.openPort('svc', key, collector().handlers))
    expect(r.openCount).toBe(1)
  })

  it('an acceptor that throws closes the session with its error', () => {
    const { router: r, failures } = router()
    r.route('a', 'svc', 1, 0)
    r.acceptPorts('svc', () => {
      throw new NetError('protocol', 'over budget')
    })
    expect(failures.map((f) => f.message)).toEqual(['over budget'])
    expect(() => r.route('b', 'svc', 1, 0)).toThrow('over budget')
  })
})
