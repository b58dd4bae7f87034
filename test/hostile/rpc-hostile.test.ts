import { describe, expect, it } from 'vitest'
import { encodeRpcMessage, type RpcMessage } from '../../src/ops/rpc/rpc-wire.js'
import { NetError } from '../../src/base/errors.js'
import { attack, budgetClose, HeapMeter, MiB, portFrame, runAttack, type Attack } from './hostile-peer.js'

// A peer that speaks the rpc protocol badly: every malformed or impossible message closes the
// victim's session with `protocol`; answers that merely come late are ignored; floods run into the
// memory budget. The process never crashes and the victim's pending calls reject.

/** A message sent as it is, not encoded from an RpcMessage. */
class Raw {
  constructor(readonly wire: unknown) {}
}

function rpcFrames(a: Attack, key = 'svc'): (message: RpcMessage | unknown[] | Raw) => void {
  let first = true
  return (message) => {
    const wire = message instanceof Raw ? message.wire : Array.isArray(message) ? message : encodeRpcMessage(message)
    a.send(portFrame(key, first ? 'rpc' : undefined, wire))
    first = false
  }
}

async function closedWith(a: Attack): Promise<NetError> {
  const reason = await a.victim.closed
  expect(reason).toBeInstanceOf(NetError)
  return reason
}

/** What the victim calls and serves. */
interface Svc {
  m(): unknown
  n(): number
  s(): AsyncIterable<unknown>
}

const call = (id: number): RpcMessage => ({ type: 'call', id, method: 'x', args: [] })

/** Each: what the peer sends (after the victim called `svc.m()` once, as call 1), and what the close names. */
const breaking: [string, (RpcMessage | unknown[] | Raw)[], string][] = [
  ['a call id that does not grow', [call(2), call(2)], 'ids must grow'],
  ['a result for a call never made', [{ type: 'result', id: 2, value: 0 }], 'never made'],
  ['a cancel for a call never made', [{ type: 'cancel', id: 9 }], 'never made'],
  ['credit for a stream before any of its items', [[1, 1, 'm', [], 4, 1000], { type: 'credit', id: 1, n: 1 }], 'before any of its items'],
  ['credit for a call that does not stream', [call(1), { type: 'credit', id: 1, n: 1 }], 'does not stream'],
  ['an item for a call that does not stream', [{ type: 'item', id: 1, value: 0, wait: false }], 'does not stream'],
  ['a negative id', [[0, -1, 'm', []]], 'malformed rpc call'],
  ['a fractional id', [[2, 1.5, 0]], 'malformed rpc result'],
  ['an id past 2^53', [[7, 2 ** 60]], 'malformed rpc end or cancel'],
  ['a string id', [[6, '1', 1]], 'malformed rpc credit'],
  ['a 300-character method name', [[0, 1, 'm'.repeat(300), []]], 'malformed rpc call method'],
  ['arguments that are not an array', [[0, 1, 'm', { length: 1e9 }]], 'not an array'],
  ['a stream with a zero window', [[1, 1, 'm', [], 0, 1]], 'malformed rpc stream'],
  ['an unknown tag', [[99, 1]], 'unknown tag'],
  ['a message that is not a tagged array', [new Raw({ type: 'call' })], 'not a tagged array'],
  ['an error whose text is not a string', [[3, 1, 7, 'x']], 'malformed rpc error'],
]

describe('a hostile rpc peer', () => {
  for (const [what, messages, named] of breaking) {
    it(`closes the session with protocol on ${what}, and the victim's call rejects`, async () => {
      const a = await attack()
      const pending = a.victim.rpc<Svc>('svc').call.m().catch((err: unknown) => err)
      const send = rpcFrames(a)
      for (const message of messages) send(message)
      const reason = await closedWith(a)
      expect(reason.code, reason.message).toBe('protocol')
      expect(reason.message).toContain(named)
      expect(await pending).toBe(reason)
    })
  }

  it('ignores answers to calls the victim gave up on, and cancels of calls it finished', async () => {
    const a = await attack()
    const api = a.victim.rpc<Svc>('svc')
    const controller = new AbortController()
    const given = api.call.m({ signal: controller.signal }).catch((err: unknown) => err)
    controller.abort()
    expect(await given).toMatchObject({ code: 'aborted' })
    api.handle({ m: () => 0, n: () => 1, s: () => [] })
    const send = rpcFrames(a)
    send({ type: 'result', id: 1, value: 'late' })
    send({ type: 'error', id: 1, name: 'E', message: 'late' })
    send(call(1))
    send({ type: 'cancel', id: 1 })
    send({ type: 'cancel', id: 1 })
    send({ type: 'credit', id: 1, n: 5 })
    const answered = api.call.m().catch((err: unknown) => err)
    send({ type: 'result', id: 2, value: 'on time' })
    expect(await answered).toBe('on time')
    expect(a.victim.isClosed).toBe(false)
  })

  it('closes with protocol on an rpc call larger than the frame limit, before decoding it', async () => {
    const a = await attack({ maxFrameBytes: 64 * 1024 })
    const pending = a.victim.rpc<Svc>('svc').call.m().catch((err: unknown) => err)
    rpcFrames(a)({ type: 'call', id: 1, method: 'm', args: [new Uint8Array(100 * 1024)] })
    const reason = await closedWith(a)
    expect([reason.code, reason.message.includes('limit')]).toEqual(['protocol', true])
    expect(await pending).toBe(reason)
  })

  it('closes with protocol when a stream sends more items than the credit it was given', async () => {
    const a = await attack()
    // Nobody reads, so no credit is granted back: the third item is one past the window.
    const iterator = a.victim.rpc<Svc>('svc').stream.s({ window: 2 })[Symbol.asyncIterator]()
    const send = rpcFrames(a)
    for (let i = 0; i < 3; i++) send({ type: 'item', id: 1, value: i, wait: false })
    const reason = await closedWith(a)
    expect([reason.code, reason.message.includes('credit')]).toEqual(['protocol', true])
    expect(await iterator.next().catch((err: unknown) => err)).toBe(reason)
  })

  it('1e6 calls to a service the victim never handles run into the memory budget, heap bounded', async () => {
    const meter = new HeapMeter()
    meter.start()
    const a = await attack({ maxHeldBytes: 4 * MiB })
    const send = rpcFrames(a, 'unserved')
    const reason = await runAttack(a, meter, 12 * MiB, 1_000_000, 1000, (i) => send(call(i + 1)))
    expect(budgetClose(reason, 'rpc calls running here'), String(reason)).toBe(true)
    expect(meter.peak).toBeLessThan(12 * MiB)
  })

  it('calls to 1e6 invented service names run into the memory budget, heap bounded', async () => {
    const meter = new HeapMeter()
    meter.start()
    const a = await attack({ maxHeldBytes: 4 * MiB })
    const reason = await runAttack(a, meter, 16 * MiB, 1_000_000, 1000, (i) => a.send(portFrame(`s${i}`, 'rpc', encodeRpcMessage(call(1)))))
    expect(budgetClose(reason, 'rpc'), String(reason)).toBe(true)
    expect(meter.peak).toBeLessThan(16 * MiB)
  })
})
