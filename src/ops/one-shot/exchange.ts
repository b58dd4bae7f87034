import { unreachable } from '../../base/unreachable.js'
import { callMisuse, NO_TASK } from '../../core/op-arguments.js'
import type { OpHost, OpOptions } from '../../core/op-host.js'
import { encodeExchangeMessage, parseExchangeMessage, type ExchangeMessage } from './exchange-wire.js'
import { OneShot } from './one-shot.js'

/**
 * Sends `value` and resolves with the peer's value. The value goes out at once, so an abort
 * after the call follows {@link OneShot}'s cancel rule: the peer's value, if already on its way,
 * decides for both; otherwise both reject with NetError `aborted`.
 */
export function runExchange<Theirs>(host: OpHost, value: unknown, options: OpOptions): Promise<Theirs> {
  const op = new ExchangeOp<Theirs>(options.key ?? host.nextKey('exchange'))
  const misuse = callMisuse(op.what, NO_TASK, options.signal)
  if (op.open(host, misuse === undefined ? options.signal : undefined) && !op.sent) {
    if (misuse !== undefined) {
      op.refuse(misuse)
      return op.result
    }
    try {
      op.send({ type: 'value', value })
    } catch (err) {
      // Unencodable: nothing went out, so `abort` is still our one message and the peer settles.
      op.refuse(err)
    }
  }
  return op.result
}

const ABORT: ExchangeMessage = { type: 'abort' }

class ExchangeOp<Theirs> extends OneShot<ExchangeMessage, Theirs> {
  constructor(key: string) {
    super('exchange', key, ABORT)
  }

  parse(raw: unknown): ExchangeMessage {
    return parseExchangeMessage(raw)
  }

  encode(message: ExchangeMessage): unknown[] {
    return encodeExchangeMessage(message)
  }

  protected onPeer(message: ExchangeMessage): void {
    switch (message.type) {
      case 'value':
        return this.resolve(message.value as Theirs)
      case 'abort':
        return this.reject(this.peerAborted())
      default:
        return unreachable(message)
    }
  }
}
