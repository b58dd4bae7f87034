// Per remote address: at most `connectionsPerAddress` open sockets (so one address cannot hold
// the relay's rooms) and at most `joins` new ones per second. Addresses come from a header the
// harness's relay reads, as a relay behind a proxy would, so one loopback test is many addresses.
import { afterEach, describe, expect, it } from 'vitest'
import { addressKey, DEFAULT_LIMITS } from '../../support/relay-limits.js'
import { RelayCloseCode } from '../../support/relay-messages.js'
import { newRoomId } from '../../support/room-id.js'
import { expectJoined, pair, startRelay, until, within, type RelayClient, type RelayServer } from './relay-harness.js'

let server: RelayServer | undefined
afterEach(async () => {
  await server?.close()
  server = undefined
})

async function expectRefused(client: RelayClient, reason: string, code: number): Promise<void> {
  expect(await client.next()).toEqual({ type: 'error', reason })
  expect((await within(client.closed, 5000, 'refused socket closed')).code).toBe(code)
}

describe('per-address caps', () => {
  it('refuses the (cap+1)-th open connection from one address, and admits one again after a close', async () => {
    server = await startRelay({ limits: { connectionsPerAddress: 3 } }, true)
    const open = [server.client('a1', '192.0.2.9'), server.client('a2', '192.0.2.9'), server.client('a3', '192.0.2.9')]
    for (const c of open) expect(await expectJoined(c)).toEqual({ type: 'waiting' })
    await expectRefused(server.client('a4', '192.0.2.9'), 'too many connections from this address', RelayCloseCode.tooManyConnections)
    // Another address is not affected, and neither is the same address once one socket closed.
    expect(await expectJoined(server.client('b1', '192.0.2.10'))).toEqual({ type: 'waiting' })
    open[0]?.ws.close()
    await within(open[0]!.closed, 5000, 'first socket closed')
    await until(() => server!.relay.connectionCount === 3, 5000, 'the relay saw the close')
    expect(await expectJoined(server.client('a5', '192.0.2.9'))).toEqual({ type: 'waiting' })
  })

  it('refuses the (burst+1)-th join in a row from one address', async () => {
    server = await startRelay({ limits: { joins: { perSecond: 0.01, burst: 5 } } }, true)
    for (let i = 0; i < 5; i++) {
      const c = server.client(`j${i}`, '192.0.2.20')
      expect(await expectJoined(c)).toEqual({ type: 'waiting' })
      c.ws.close()
      await within(c.closed, 5000, 'socket closed')
    }
    await expectRefused(server.client('j5', '192.0.2.20'), 'too many joins from this address', RelayCloseCode.tooManyJoins)
  })

  it('one address holding idle sockets cannot take every room: others still meet', async () => {
    server = await startRelay({ maxRooms: 256 }, true)
    const hog: RelayClient[] = []
    let refused: RelayClient | undefined
    // The old relay let one address open a socket in each of its 256 rooms.
    for (let i = 0; i < 256 && !refused; i++) {
      const c = server.client(`hog-${i}`, '203.0.113.5')
      const first = await c.next()
      if (first.type === 'joined') hog.push(c)
      else refused = c
    }
    expect(hog.length).toBe(DEFAULT_LIMITS.connectionsPerAddress)
    expect(refused, 'one address was never refused').toBeDefined()
    expect((await within(refused!.closed, 5000, 'refused socket closed')).code).toBe(RelayCloseCode.tooManyConnections)
    const room = newRoomId()
    await pair(server, room, '198.51.100.23')
  })
})

describe('addressKey', () => {
  it('counts IPv4 as itself, IPv4-mapped IPv6 as IPv4, and IPv6 by its /64', () => {
    expect(addressKey('192.0.2.1')).toBe('192.0.2.1')
    expect(addressKey('::ffff:192.0.2.1')).toBe('192.0.2.1')
    expect(addressKey('2001:db8:1:2:aaaa::1')).toBe(addressKey('2001:db8:1:2:bbbb:cccc:dddd:eeee'))
    expect(addressKey('2001:db8:1:2::1')).not.toBe(addressKey('2001:db8:1:3::1'))
    expect(addressKey(undefined)).toBe('unknown')
    expect(addressKey('not an address')).toBe('unknown')
  })
})
