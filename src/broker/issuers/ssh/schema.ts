// The ssh issuer's policy settings: the CA by reference, what a certificate allows, where the KRL goes.
import { z } from 'zod';
import { SECRET_REFERENCE } from '../secret-reference.js';

/** The extensions OpenSSH knows (PROTOCOL.certkeys); a certificate carries only those the policy lists. */
const EXTENSIONS = ['permit-X11-forwarding', 'permit-agent-forwarding', 'permit-port-forwarding', 'permit-pty', 'permit-user-rc'] as const;

export const sshSchema = z.strictObject({
  type: z.literal('ssh'),
  ca: z.string().regex(SECRET_REFERENCE, 'must be env:NAME, file:/PATH or keychain:NAME naming the CA private key (ssh-keygen -t ed25519)'),
  principals: z.array(z.string().regex(/^[a-z_][a-z0-9_.-]{0,31}$/, 'must be a login name')).min(1).max(16),
  krl: z.string().regex(/^\/[^\0]{1,4095}$/, 'must be an absolute path: the file sshd’s RevokedKeys names'),
  extensions: z.array(z.enum(EXTENSIONS)).default(['permit-pty']),
  forceCommand: z.string().min(1).max(1024).optional(),
  sourceAddress: z.string().regex(/^[0-9a-fA-F.:/,]{1,1024}$/, 'must be a comma-separated list of addresses or CIDR blocks').optional(),
});

export type SshConfig = z.output<typeof sshSchema>;
