import { describe, expect, it } from 'vitest'
import { NetError } from '../../src/base/errors.js'
import * as checks from '../../src/core/wire-checks.js'

// The edges of each check every protocol uses on its peer's messages: what passes, and what is
// refused with NetError `protocol` ("peer sent a malformed …", naming the message).

const long = (n: number): string => 'x'.repeat(n)

const cases: { name: string; check: (value: unknown) => unknown; takes: unknown[]; refuses: unknown[] }[] = [
  { name: 'count', check: (v) => checks.count(v, 'm'), takes: [0, 1, 2 ** 53 - 1], refuses: [-1, 1.5, 2 ** 53, NaN, '1', null] },
  { name: 'positive', check: (v) => checks.positive(v, 'm'), takes: [1, 2 ** 53 - 1], refuses: [0, -1, 0.5, 2 ** 53, Infinity] },
  { name: 'finite', check: (v) => checks.finite(v, 'm'), takes: [0, -1.5, 1e300], refuses: [NaN, Infinity, -Infinity, '0', null] },
  { name: 'finite in [0, 10]', check: (v) => checks.finite(v, 'm', 0, 10), takes: [0, 10, 5.5], refuses: [-0.1, 10.1, NaN] },
  { name: 'flag', check: (v) => checks.flag(v, 'm'), takes: [true, false], refuses: [0, 1, 'true', null] },
  { name: 'text', check: (v) => checks.text(v, 'm'), takes: ['', long(checks.MAX_TEXT_LENGTH)], refuses: [long(checks.MAX_TEXT_LENGTH + 1), 1, null] },
  { name: 'operationKey', check: (v) => checks.operationKey(v, 'm'), takes: ['k', long(checks.MAX_KEY_LENGTH)], refuses: ['', long(checks.MAX_KEY_LENGTH + 1), 1] },
  { name: 'optionalBytes', check: (v) => checks.optionalBytes(v, 'm'), takes: [null, new Uint8Array(2)], refuses: [undefined, [1], 'ab'] },
  { name: 'oneOf', check: (v) => checks.oneOf(v, ['a', null] as const, 'm'), takes: ['a', null], refuses: ['b', undefined, 0] },
  { name: 'tagged', check: (v) => checks.tagged(v, 'p'), takes: [[0], [1, 2]], refuses: [[], {}, { 0: 0, length: 1 }, 'x', null] },
]

function refusal(fn: () => unknown): unknown {
  try {
    fn()
  } catch (err) {
    return err
  }
  return undefined
}

describe('wire checks', () => {
  for (const { name, check, takes, refuses } of cases) {
    it(`${name} takes what it should and refuses the rest with NetError protocol`, () => {
      for (const value of takes) expect(refusal(() => check(value)), String(value).slice(0, 40)).toBeUndefined()
      for (const value of refuses) {
        const err = refusal(() => check(value))
        expect(err, String(value).slice(0, 40)).toBeInstanceOf(NetError)
        expect((err as NetError).code).toBe('protocol')
        expect((err as NetError).message).toMatch(/^peer sent /)
      }
    })
  }

  it('arity refuses a message with a field too many or too few', () => {
    expect(refusal(() => checks.arity([0, 1], 2, 'm'))).toBeUndefined()
    for (const message of [[0], [0, 1, 2]]) {
      expect(refusal(() => checks.arity(message, 2, 'join done'))).toMatchObject({ code: 'protocol', message: 'peer sent a malformed join done' })
    }
  })

  it('clippedText cuts a long reason instead of refusing it', () => {
    expect(checks.clippedText(long(600), 'bye', 500)).toBe(long(500))
    expect(refusal(() => checks.clippedText(5, 'bye', 500))).toMatchObject({ code: 'protocol' })
  })
})
