import { describe, expect, it } from 'vitest'
import { mayReadArgument } from '../../../src/ops/one-shot/reads-argument.js'

describe('mayReadArgument', () => {
  it('is false only for arrow functions with an empty parameter list', () => {
    expect(mayReadArgument(() => 1)).toBe(false)
    expect(mayReadArgument(async () => 1)).toBe(false)
    expect(mayReadArgument(( ) => 1)).toBe(false)
  })

  it('is true for everything that could see its argument, or whose source is hidden', () => {
    const cases: ((...args: never[]) => unknown)[] = [
      (signal: unknown) => signal,
      async (signal: unknown) => signal,
      (...args: unknown[]) => args,
      (signal: unknown = 1) => signal,
      function () {
        return arguments
      },
      function named() {},
      { method() {} }.method,
      (() => 1).bind(null),
      Math.max,
      new Proxy(() => 1, {}),
    ]
    for (const fn of cases) expect(mayReadArgument(fn), String(fn)).toBe(true)
  })
})
