import { networkInterfaces } from 'node:os'

/**
 * True when this process sees no network interface but loopback, as inside the
 * `unshare -n` namespace e2e/run.mjs runs the tests in. Only there is
 * 127.0.0.1 the only local address Chromium's ICE can send from: elsewhere the
 * relay still forwards only 127.0.0.1 candidates, but a side may send from
 * another of the host's own addresses (the packets still never leave the host).
 */
export function loopbackOnlyNetwork(): boolean {
  return Object.values(networkInterfaces()).every((addrs) => (addrs ?? []).every((a) => a.internal))
}
