import { isNetError, NetError } from './errors.js'

/**
 * Checks of what callers pass to the public API. Each throws NetError `usage` whose message names
 * the call, the option and what it accepts, e.g.
 * `Session.open: timeoutMs must be a finite number > 0, got NaN`. An option left `undefined` takes
 * its default, so every check lets `undefined` through unless told otherwise.
 */

/** NetError `usage` for a bad argument of `where` (the API called, e.g. `session.join`). */
export function usageError(where: string, problem: string): NetError {
  return new NetError('usage', `${where}: ${problem}`)
}

/** Runs `check`; a usage error it throws becomes the returned rejection, for async entry points. */
export function rejectMisuse(check: () => void): Promise<never> | undefined {
  try {
    check()
    return undefined
  } catch (err) {
    if (isNetError(err, 'usage')) return Promise.reject(err)
    throw err
  }
}

/** A value as a message shows it: short, and without calling any of the value's own code. */
export function describeValue(value: unknown): string {
  if (value === null) return 'null'
  switch (typeof value) {
    case 'string':
      return value.length > 40 ? `a ${value.length}-character string` : JSON.stringify(value)
    case 'number':
      return Object.is(value, -0) ? '-0' : String(value)
    case 'bigint':
      return `${value}n`
    case 'boolean':
    case 'undefined':
      return String(value)
    case 'symbol':
      return 'a symbol'
    case 'function':
      return 'a function'
    default:
      return Array.isArray(value) ? 'an array' : 'an object'
  }
}

function refuse(where: string, name: string, allowed: string, value: unknown): NetError {
  return usageError(where, `${name} must be ${allowed}, got ${describeValue(value)}`)
}

/** The options argument: `undefined` (all defaults) or a plain object. Returns it as a record. */
export function checkOptionsObject(where: string, options: unknown, name = 'options'): Record<string, unknown> {
  if (options === undefined) return {}
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw refuse(where, name, 'an object or undefined', options)
  }
  return options as Record<string, unknown>
}

/** An integer in [min, max]. */
export function checkInteger(where: string, name: string, value: unknown, min: number, max = Number.MAX_SAFE_INTEGER): void {
  if (value === undefined) return
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min || value > max) {
    throw refuse(where, name, max === Number.MAX_SAFE_INTEGER ? `an integer ≥ ${min}` : `an integer in [${min}, ${max}]`, value)
  }
}

/** A finite number in [min, max], or in (min, max] when `aboveMin`. */
export function checkNumber(where: string, name: string, value: unknown, range: { min: number; max?: number; aboveMin?: boolean }): void {
  if (value === undefined) return
  const { min, max = Number.MAX_VALUE, aboveMin = false } = range
  const ok = typeof value === 'number' && Number.isFinite(value) && (aboveMin ? value > min : value >= min) && value <= max
  if (!ok) {
    const lower = `${aboveMin ? '>' : '≥'} ${min}`
    throw refuse(where, name, max === Number.MAX_VALUE ? `a finite number ${lower}` : `a finite number ${lower} and ≤ ${max}`, value)
  }
}

/** A function; `undefined` passes only when `optional`. */
export function checkFunction(where: string, name: string, value: unknown, optional: boolean): void {
  if (value === undefined && optional) return
  if (typeof value !== 'function') throw refuse(where, name, optional ? 'a function or undefined' : 'a function', value)
}

/** `true`, `false` or `undefined`. */
export function checkBoolean(where: string, name: string, value: unknown): void {
  if (value !== undefined && typeof value !== 'boolean') throw refuse(where, name, 'true, false or undefined', value)
}

/** One of `allowed` (strings), or `undefined`. */
export function checkOneOf(where: string, name: string, value: unknown, allowed: readonly string[]): void {
  if (value === undefined || allowed.includes(value as string)) return
  throw refuse(where, name, `${allowed.map((a) => `'${a}'`).join(' or ')} or undefined`, value)
}

/**
 * An AbortSignal, or `undefined`. Recognised by shape rather than `instanceof`, so a signal from
 * another realm (an iframe, a polyfill) is accepted.
 */
export function checkSignal(where: string, value: unknown, name = 'signal'): void {
  if (value === undefined) return
  const signal = value as Partial<AbortSignal> | null
  const ok =
    typeof signal === 'object' &&
    signal !== null &&
    typeof signal.aborted === 'boolean' &&
    typeof signal.addEventListener === 'function' &&
    typeof signal.removeEventListener === 'function'
  if (ok) return
  // Passing the controller instead of its signal is the usual mistake.
  const hint = typeof signal === 'object' && signal !== null && 'signal' in signal ? ' (pass controller.signal, not the controller)' : ''
  throw refuse(where, name, `an AbortSignal or undefined${hint}`, value)
}

/** An object with every method in `methods`: what an adapter or the session needs from its argument. */
export function checkShape(where: string, name: string, value: unknown, expected: string, methods: readonly string[]): void {
  if ((typeof value !== 'object' && typeof value !== 'function') || value === null) {
    throw refuse(where, name, expected, value)
  }
  const missing = methods.find((method) => typeof (value as Record<string, unknown>)[method] !== 'function')
  if (missing !== undefined) throw usageError(where, `${name} must be ${expected}, got an object without ${missing}()`)
}
