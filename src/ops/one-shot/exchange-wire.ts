import { unreachable } from '../../base/unreachable.js'
import { arity, tagged, unknownTag } from '../../core/wire-checks.js'

/** The exchange wire protocol: each side sends exactly one of these. */
export type ExchangeMessage = { type: 'value'; value: unknown } | { type: 'abort' }

/** On the wire: `[0, value]`, `[1]`. */
const TAG = { value: 0, abort: 1 } as const

export function encodeExchangeMessage(m: ExchangeMessage): unknown[] {
  switch (m.type) {
    case 'value':
      return [TAG.value, m.value]
    case 'abort':
      return [TAG.abort]
    default:
      return unreachable(m)
  }
}

/** Validates a peer's exchange message; throws NetError `protocol` for anything else. */
export function parseExchangeMessage(raw: unknown): ExchangeMessage {
  const m = tagged(raw, 'exchange')
  switch (m[0]) {
    case TAG.value:
      arity(m, 2, 'exchange value')
      return { type: 'value', value: m[1] }
    case TAG.abort:
      arity(m, 1, 'exchange abort')
      return { type: 'abort' }
    default:
      throw unknownTag(m, 'exchange')
  }
}
