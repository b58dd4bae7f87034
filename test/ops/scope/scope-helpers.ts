import { expect } from 'vitest'
import { isNetError, type NetError } from '../../../src/base/errors.js'
import type { Scope } from '../../../src/scope.js'
import { rejectionOf } from '../../helpers/promises.js'

export const never = (): Promise<never> => new Promise<never>(() => {})

/**
 * Starts one pending call of every kind in `scope`, each waiting on the peer: one-shots the peer
 * never calls (`solo`), a channel read and a send past a full window, a lock request behind the
 * peer's held lock, a write behind the peer's read. `peer` is the peer's scope of the same name,
 * which holds what the waits are behind. Returns the pending calls by name.
 */
export async function pendingEverything(scope: Scope, peer: Scope, solo: string): Promise<Record<string, Promise<unknown>>> {
  const mutex = scope.mutex<number>(`m-${solo}`, { initial: 0 })
  const peerMutex = peer.mutex<number>(`m-${solo}`)
  const rw = scope.rwlock<number>(`rw-${solo}`, { initial: 0 })
  const peerRw = peer.rwlock<number>(`rw-${solo}`)
  await peerMutex.lock() // the peer holds it: this side's lock waits
  await peerRw.read() // and reads: this side's write waits
  const full = scope.channel<number>(`full-${solo}`, { window: 1 })
  const peerFull = peer.channel<number>(`full-${solo}`, { window: 1 })
  await full.send(1) // the peer reads nothing: the next send waits for credit
  void peerFull
  const reading = scope.channel<number>(`read-${solo}`)
  const calls: Record<string, Promise<unknown>> = {
    join: scope.join(never, { key: `j-${solo}` }),
    tryJoin: scope.tryJoin(never, { key: `tj-${solo}` }),
    select: scope.select(never, { key: `s-${solo}` }),
    trySelect: scope.trySelect(never, { key: `ts-${solo}` }),
    exchange: scope.exchange(1, { key: `x-${solo}` }),
    syncStart: scope.syncStart(() => 1, { key: `ss-${solo}` }),
    channelRead: reading[Symbol.asyncIterator]().next(),
    channelSend: full.send(2),
    lock: mutex.lock(),
    write: rw.write(),
  }
  // Handled now (the test inspects them later): a rejection is expected.
  for (const call of Object.values(calls)) call.catch(() => undefined)
  return calls
}

export async function expectAllRejected(calls: Record<string, Promise<unknown>>, code: NetError['code'], text: string): Promise<void> {
  for (const [name, call] of Object.entries(calls)) {
    const err = await rejectionOf(call)
    expect(isNetError(err, code), `${name}: ${String(err)}`).toBe(true)
    expect((err as Error).message, name).toContain(text)
  }
}

