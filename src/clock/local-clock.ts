/**
 * A clock reading in milliseconds. Every time-related function in netbeam takes one of these
 * (injectable, so tests can drive time and inject a known skew between two peers).
 */
export type Now = () => number

/**
 * The local clock netbeam uses unless told otherwise: `performance.timeOrigin + performance.now()`,
 * in milliseconds since the Unix epoch.
 *
 * Why this and not the alternatives:
 * - `performance.now()` alone is monotonic and sub-millisecond, but it starts at 0 in every context
 *   (tab, worker, Node process), so two contexts on one machine could not compare readings.
 *   Adding `timeOrigin` puts every context of one machine on one timeline (measured: two Node
 *   processes agreed to ≤ 0.0015 ms), so a loopback test has a true offset of ~0.
 * - `Date.now()` is whole milliseconds (Firefox and Safari coarsen further) and steps when the wall
 *   clock is adjusted; both would show up directly as offset error.
 *
 * The reading still advances at the rate of the machine's monotonic clock; any difference between
 * two machines' wall clocks at their `timeOrigin` and their drift since is what the clock estimate
 * measures. Browsers coarsen `performance.now()` (100 µs, 5 µs when cross-origin isolated, 1 ms in
 * Firefox by default), which bounds how well any estimate can do there.
 */
export const defaultNow: Now = () => globalThis.performance.timeOrigin + globalThis.performance.now()
