// OpenSSH user certificates (PROTOCOL.certkeys): an Ed25519 session key signed by the CA, for the
// grant's principals and lifetime, with the grant as key id and serial, so sshd's log names the grant
// and a KRL can revoke it.
import { createHash, randomBytes, sign, type KeyObject } from 'node:crypto';
import { ED25519, ed25519Blob } from '../../../platform/ssh-keys.js';
import { SshWriter } from '../../../platform/ssh-wire.js';

export const CERT_TYPE = 'ssh-ed25519-cert-v01@openssh.com';
const USER_CERT = 1;

export interface CertificateRequest {
  /** The session's public key (32 raw bytes). */
  publicKey: Buffer;
  serial: bigint;
  keyId: string;
  principals: string[];
  validAfterSeconds: number;
  validBeforeSeconds: number;
  /** force-command, source-address: what sshd enforces whatever the client asks. */
  criticalOptions: Record<string, string>;
  /** permit-pty, permit-port-forwarding, …: what the session may do besides. */
  extensions: string[];
}

/** The serial a grant's certificate carries: derived from the grant id, so revocation needs no handle. */
export function serialOf(grantId: string): bigint {
  return createHash('sha256').update(`jit-ssh-serial\n${grantId}`).digest().readBigUInt64BE();
}

/** Name/data pairs sorted by name, as the format requires; a critical option's data is itself a string. */
function packed(entries: [string, string | undefined][]): Buffer {
  const writer = new SshWriter();
  for (const [name, value] of [...entries].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    writer.string(name).string(value === undefined ? Buffer.alloc(0) : new SshWriter().string(value).toBuffer());
  }
  return writer.toBuffer();
}

/** The certificate's wire blob, signed with `ca` (an Ed25519 private key whose public half is `caRaw`). */
export function signUserCertificate(request: CertificateRequest, ca: KeyObject, caRaw: Buffer): Buffer {
  const principals = new SshWriter();
  for (const principal of request.principals) principals.string(principal);
  const body = new SshWriter()
    .string(CERT_TYPE)
    .string(randomBytes(32))
    .string(request.publicKey)
    .uint64(request.serial)
    .uint32(USER_CERT)
    .string(request.keyId)
    .string(principals.toBuffer())
    .uint64(BigInt(request.validAfterSeconds))
    .uint64(BigInt(request.validBeforeSeconds))
    .string(packed(Object.entries(request.criticalOptions)))
    .string(packed(request.extensions.map((name) => [name, undefined])))
    .string('')
    .string(ed25519Blob(caRaw))
    .toBuffer();
  const signature = new SshWriter().string(ED25519).string(sign(null, body, ca)).toBuffer();
  return Buffer.concat([body, new SshWriter().string(signature).toBuffer()]);
}

/** `ssh-ed25519-cert-v01@openssh.com AAAA… comment`, as ssh reads a -cert.pub file. */
export function certificateLine(blob: Buffer, comment: string): string {
  return `${CERT_TYPE} ${blob.toString('base64')} ${comment}`;
}
