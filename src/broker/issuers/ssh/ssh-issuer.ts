// The ssh issuer: the CLI sends the public half of a key it made for this session; the CA signs a user
// certificate for the policy's principals, valid for the grant's TTL, whose serial is the grant's.
// Revocation writes the serial into the KRL file sshd reads (RevokedKeys), atomically; verification reads
// that file back. The CLI's client step holds key and certificate in a session ssh-agent it ends itself.
import { readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { JitError } from '../../../core/errors.js';
import { withFileLock } from '../../../platform/file-lock.js';
import { ed25519Blob, parseEd25519PublicKeyLine, readOpenSshEd25519PrivateKey } from '../../../platform/ssh-keys.js';
import type { GrantRecord } from '../../records.js';
import type { Store } from '../../store/store.js';
import { NothingIssued, type ClientMaterial, type IssuedCredential, type Issuer, type IssueSubject } from '../issuer.js';
import { issuerConfigOf } from '../registry.js';
import { readSecretReference, type SecretSources } from '../secret-reference.js';
import { certificateLine, serialOf, signUserCertificate } from './certificate.js';
import { decodeKrl, encodeKrl } from './krl.js';
import type { SshConfig } from './schema.js';

/** How far the target's clock may be from the broker's: certificates start this much early, and serials stay in the KRL this much past their end. */
const CLOCK_SKEW_SECONDS = 300;
const LOCK_TIMEOUT_MS = 10_000;

export class SshIssuer implements Issuer {
  constructor(
    private readonly config: SshConfig,
    private readonly store: Store,
    private readonly sources: SecretSources,
  ) {}

  /** The CA key; its problems are NothingIssued: without it no certificate can have been made. */
  async #ca() {
    let text;
    try {
      text = await readSecretReference(this.config.ca, this.sources);
      return readOpenSshEd25519PrivateKey(text);
    } catch (error) {
      if (error instanceof JitError) throw new NothingIssued(error.code, error.message, { ...(error.hint === undefined ? {} : { hint: error.hint }), cause: error });
      // SECURITY: the message says what is wrong with the key, never what is in it.
      throw new NothingIssued('config', `the ssh issuer's CA key (${this.config.ca}): ${(error as Error).message}`, { hint: 'make one with ssh-keygen -t ed25519 -N "" -f FILE' });
    }
  }

  async issue(grant: IssueSubject, material: ClientMaterial): Promise<IssuedCredential> {
    const publicKey = material.publicKey === undefined ? undefined : parseEd25519PublicKeyLine(material.publicKey);
    if (!publicKey) {
      throw new NothingIssued('usage', `role ${grant.role} issues SSH certificates, and this request carried no session key to sign`, { hint: 'use a jit that sends one (this version of the CLI does)' });
    }
    const ca = await this.#ca();
    const issuedAt = Math.floor(grant.issuedAtMs / 1000);
    const blob = signUserCertificate(
      {
        publicKey,
        serial: serialOf(grant.id),
        keyId: `${grant.id}:${grant.requester}`,
        principals: this.config.principals,
        validAfterSeconds: issuedAt - CLOCK_SKEW_SECONDS,
        validBeforeSeconds: Math.floor(grant.expiresAtMs / 1000),
        criticalOptions: {
          ...(this.config.forceCommand ? { 'force-command': this.config.forceCommand } : {}),
          ...(this.config.sourceAddress ? { 'source-address': this.config.sourceAddress } : {}),
        },
        extensions: this.config.extensions,
      },
      ca.key,
      ca.raw,
    );
    return { env: {}, handle: String(serialOf(grant.id)), clientStep: { type: 'ssh-agent', certificate: certificateLine(blob, grant.id) } };
  }

  /**
   * Rewrites the KRL from the store: every serial of this CA's grants that ended while their
   * certificate could still be used. Under a lock, so a process writing at the same time cannot put back
   * an older list; renamed into place, so sshd never reads half a file (an unreadable KRL refuses every key).
   */
  async revoke(grant: GrantRecord): Promise<void> {
    const ca = await this.#ca();
    await withFileLock(`${this.config.krl}.lock`, LOCK_TIMEOUT_MS, async () => {
      const now = Date.now();
      const ended = await this.store.listGrants({ states: ['revoked', 'expired'], issuerType: 'ssh', expiresAfter: now - CLOCK_SKEW_SECONDS * 1000 });
      const serials = ended.filter((other) => (issuerConfigOf(other) as SshConfig).ca === this.config.ca).map((other) => serialOf(other.id));
      serials.push(serialOf(grant.id));
      const temporary = `${this.config.krl}.${process.pid}.tmp`;
      try {
        // Ours alone while we hold the lock; 'wx' never writes through a link left at that name.
        rmSync(temporary, { force: true });
        // Not secret: serials only. sshd reads it as root, or as whoever runs it.
        writeFileSync(temporary, encodeKrl(ed25519Blob(ca.raw), serials, BigInt(now), Math.floor(now / 1000)), { mode: 0o644, flag: 'wx' });
        renameSync(temporary, this.config.krl);
      } catch (error) {
        throw new JitError('unavailable', `cannot write the KRL ${this.config.krl}: ${(error as Error).message}`, { hint: 'check that its directory exists and the broker may write there' });
      }
    });
  }

  /** True once sshd's KRL holds the serial, or the certificate has expired everywhere. */
  async verifyRevoked(grant: GrantRecord): Promise<boolean> {
    if (Date.now() > grant.expiresAtMs + CLOCK_SKEW_SECONDS * 1000) return true;
    const ca = await this.#ca();
    try {
      return decodeKrl(readFileSync(this.config.krl), ed25519Blob(ca.raw)).serials.includes(serialOf(grant.id));
    } catch {
      return false;
    }
  }
}
