const toSource = Function.prototype.toString
/** An arrow function with an empty parameter list: it has no `arguments` of its own either. */
const NO_PARAMETERS_ARROW = /^(?:async\s*)?\(\s*\)\s*=>/

/**
 * False only when `fn` provably cannot see what it is called with: an arrow function that declares
 * no parameters. Anything else (parameters, a rest parameter, `function` with `arguments`, bound
 * or native functions, whose source is not shown) counts as reading it. Lets the caller skip
 * building an argument nobody can observe, such as an AbortSignal (~2 µs each).
 */
export function mayReadArgument(fn: (...args: never[]) => unknown): boolean {
  return fn.length > 0 || !NO_PARAMETERS_ARROW.test(toSource.call(fn))
}
