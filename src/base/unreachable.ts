import { NetError } from './errors.js'

/** For exhaustive switches: a value the types say cannot exist (so it came from a bad peer). */
export function unreachable(value: never): never {
  throw new NetError('protocol', `unexpected value ${JSON.stringify(value)}`)
}
