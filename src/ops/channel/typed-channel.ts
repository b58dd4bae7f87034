import { checkInteger, checkOptionsObject } from '../../base/arguments.js'
import { checkKey } from '../../core/op-arguments.js'
import type { OpHost } from '../../core/op-host.js'
import { ChannelEndpoint } from './typed-channel-endpoint.js'
import type { TypedChannel, TypedChannelOptions } from './typed-channel-types.js'

export type { ChannelSendOptions, TypedChannel, TypedChannelOptions } from './typed-channel-types.js'

/** Opens the channel `key` on `host`; `session.channel` calls this. */
export function openTypedChannel<T>(host: OpHost, key: string, options: TypedChannelOptions): TypedChannel<T> {
  const where = 'session.channel'
  checkKey(where, key)
  const given = checkOptionsObject(where, options)
  checkInteger(where, 'window', given.window, 1)
  checkInteger(where, 'windowBytes', given.windowBytes, 1)
  return new ChannelEndpoint<T>(host, key, options.window ?? 256, options.windowBytes ?? 16 * 1024 * 1024)
}
