import { describe, expect, it } from 'vitest'
import { NetError } from '../../../src/base/errors.js'
import { deferred, type Deferred } from '../../../src/base/deferred.js'
import { MemoryBudget } from '../../../src/base/memory-budget.js'
import type { Port } from '../../../src/core/port.js'
import { LockOutbox } from '../../../src/ops/lock/lock-outbox.js'
import type { LockMessage } from '../../../src/ops/lock/lock-wire.js'

/** A port that records what it was given; each post resolves when the test says so. */
function fakePort(refuse: (message: unknown[]) => boolean = () => false): { port: Port<unknown[]>; posted: unknown[][]; taken: Deferred<void>[] } {
  const posted: unknown[][] = []
  const taken: Deferred<void>[] = []
  const port = {
    key: 'k',
    isLeader: true,
    isOpen: true,
    post(message: unknown[]) {
      if (refuse(message)) throw new NetError('usage', 'too large')
      posted.push(message)
      const done = deferred<void>()
      taken.push(done)
      return done.promise
    },
    send: () => Promise.resolve(),
    release() {},
    now: () => 0,
    clockErrorBound: () => 0,
    memory: new MemoryBudget(Infinity),
    messageCost: () => 0,
  } satisfies Port<unknown[]>
  return { port, posted, taken }
}

const request = (id: number): LockMessage => ({ type: 'request', id, mode: 'write', clock: id })
const token = (value: Uint8Array | undefined): LockMessage => ({ type: 'token', id: 1, epoch: 1, version: 1, value, clock: 1, queue: [] })

describe('LockOutbox', () => {
  it('puts a message on the port within send() (no microtask before it goes out)', () => {
    const { port, posted } = fakePort()
    const outbox = new LockOutbox(port, () => {})
    outbox.send(request(1))
    outbox.send(request(2))
    expect(posted).toHaveLength(2)
  })

  it('holds later messages until a value-carrying one was taken, then sends them in order', async () => {
    const { port, posted, taken } = fakePort()
    const outbox = new LockOutbox(port, () => {})
    const sent = outbox.send(token(new Uint8Array(1)), true)
    const second = outbox.send(token(undefined), true)
    outbox.send(request(3))
    expect(posted).toHaveLength(1)
    taken[0]!.resolve()
    await sent
    await Promise.resolve()
    expect(posted).toHaveLength(2)
    taken[1]!.resolve()
    await second
    await Promise.resolve()
    expect(posted.map((m) => m[0])).toEqual([3, 3, 1])
  })

  it('refuses synchronously, drops everything later, and reports the refusal once, after the caller', async () => {
    const { port, posted } = fakePort((m) => m[0] === 3)
    const refusals: NetError[] = []
    const outbox = new LockOutbox(port, (err) => refusals.push(err))
    const refused = outbox.send(token(new Uint8Array(1)), true)
    expect(refusals).toHaveLength(0)
    await expect(refused).rejects.toMatchObject({ code: 'usage' })
    expect(refusals).toHaveLength(1)
    outbox.send(request(2))
    await expect(outbox.send(token(undefined), true)).resolves.toBeUndefined()
    expect(posted).toHaveLength(0)
  })
})
