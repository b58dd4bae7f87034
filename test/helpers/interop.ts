/** Module-format glue for tests that load CommonJS packages with `import()`. */

/** The CommonJS export behind an `import()` namespace, however many `default`s deep. */
export function interopDefault<T>(namespace: unknown): T {
  let value = namespace
  // Bounded: each step goes one `default` deeper into a finite object graph; a cycle would be a bug.
  for (let depth = 0; depth < 8 && typeof value === 'object' && value !== null && 'default' in value; depth++) {
    value = (value as { default: unknown }).default
  }
  return value as T
}
