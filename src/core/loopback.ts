// Whether a host stays on this machine: the one place plain HTTP is allowed for bearer tokens.
import { isIPv4 } from 'node:net';

/**
 * Literal loopback addresses and `localhost` only. SECURITY: `127.0.0.256` is no address but a name,
 * which /etc/hosts or DNS may point anywhere; only a literal in 127.0.0.0/8 or ::1 is loopback.
 */
export function isLoopbackHost(host: string): boolean {
  return host === 'localhost' || host === '::1' || host === '[::1]' || (isIPv4(host) && host.startsWith('127.'));
}
