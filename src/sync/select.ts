import { NetError } from '../errors.js'
import type { OpHost, OpOptions } from '../session/op-host.js'
import type { NetTask } from './join.js'

/** What `select` / `trySelect` resolve with on each side. */
export type SelectResult<T> = { won: true; value: T } | { won: false }

/** Runs `select` (kind 'select') or `trySelect` (kind 'trySelect'). */
export function runSelect<T>(
  host: OpHost,
  kind: 'select' | 'trySelect',
  fn: NetTask<T>,
  options: OpOptions,
): Promise<SelectResult<T>> {
  void host
  void fn
  void options
  return Promise.reject(new NetError('usage', `${kind} is not implemented yet`))
}
