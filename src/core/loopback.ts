// Whether a host name stays on this machine: the one place plain HTTP is allowed for bearer tokens.

/** Literal loopback names and addresses only: a name that merely resolves to loopback can be made to resolve elsewhere. */
export function isLoopbackHost(host: string): boolean {
  return host === 'localhost' || host === '::1' || host === '[::1]' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}
