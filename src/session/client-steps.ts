// The steps an issuer may ask of the CLI's side of a session (backends/contract.ts ClientStep): set up
// before the child starts, torn down in the session pipeline's `finally`, before the grant is revoked.
import type { ClientStep } from '../backends/contract.js';
import { JitError } from '../core/errors.js';
import type { SessionKey } from './session-key.js';

export interface RunningStep {
  /** Variables the session needs to use it (SSH_AUTH_SOCK). */
  env: Record<string, string>;
  stop(): Promise<void>;
}

const CERTIFICATE_LINE = /^ssh-ed25519-cert-v01@openssh\.com [A-Za-z0-9+/]{100,8000}={0,2}( [!-~]{1,100})?$/;

/** `release(pid)` moves a helper the step starts out of the session's cgroup, so ending the session does not end it. */
export async function startClientStep(step: ClientStep, key: SessionKey, expiresAtMs: number, release: (pid: number) => void): Promise<RunningStep> {
  switch (step.type) {
    case 'ssh-agent': {
      // SECURITY: what the broker sent reaches the agent only in the shape of a certificate.
      if (typeof step.certificate !== 'string' || !CERTIFICATE_LINE.test(step.certificate)) {
        throw new JitError('unavailable', 'the broker sent a malformed SSH certificate', { hint: 'check that the broker and this jit are the same version' });
      }
      const { startSessionAgent } = await import('./ssh-agent-step.js');
      return startSessionAgent(key, step.certificate, Math.ceil((expiresAtMs - Date.now()) / 1000), release);
    }
    default:
      throw new JitError('unavailable', `the broker asked for a session step this jit does not know (${String((step as { type: unknown }).type).slice(0, 40)})`, {
        hint: 'upgrade jit',
      });
  }
}
