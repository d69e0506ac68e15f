// The ssh issuer: the CLI sends the public half of a key it made for this session; the CA signs a user
// certificate for the policy's principals, valid for the grant's TTL, whose serial is the grant's.
// Revocation adds the serial to the KRL file sshd reads (RevokedKeys), keeping what else it holds, under a
// lock and atomically; verification reads that file back. The CLI's client step holds key and certificate in a session ssh-agent it ends itself.
import { accessSync, closeSync, constants, fsyncSync, openSync, readFileSync, renameSync, rmSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { JitError } from '../../../core/errors.js';
import { withFileLock } from '../../../platform/file-lock.js';
import { ed25519Blob, parseEd25519PublicKeyLine, readOpenSshEd25519PrivateKey } from '../../../platform/ssh-keys.js';
import type { GrantRecord } from '../../records.js';
import { NothingIssued, type ClientMaterial, type IssuedCredential, type Issuer, type IssueSubject } from '../issuer.js';
import { readSecretReference, type SecretSources } from '../secret-reference.js';
import { certificateLine, serialOf, signUserCertificate } from './certificate.js';
import { addSerials, assertExtensible, revokesSerial } from './krl.js';
import type { SshConfig } from './schema.js';

/** How far the target's clock may be from the broker's: certificates start this much early, and count as expired everywhere this much past their end. */
const CLOCK_SKEW_SECONDS = 300;
const LOCK_TIMEOUT_MS = 10_000;

function readIfThere(path: string): Buffer | undefined {
  try {
    return readFileSync(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

/** The rename is on disk too, not only the file's content. */
function syncDirectory(path: string): void {
  const fd = openSync(path, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

export class SshIssuer implements Issuer {
  constructor(
    private readonly config: SshConfig,
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

  /** A certificate is issued only where it can be revoked: the KRL's directory writable, the file one jit can add to. */
  #assertKrlWritable(): void {
    try {
      accessSync(dirname(this.config.krl), constants.W_OK);
      const existing = readIfThere(this.config.krl);
      if (existing) assertExtensible(existing);
    } catch (error) {
      throw new NothingIssued('config', `the KRL ${this.config.krl} cannot be added to: ${(error as Error).message}`, {
        hint: 'create its directory writable by the broker, or start the file with: ssh-keygen -k -f FILE',
      });
    }
  }

  async issue(grant: IssueSubject, material: ClientMaterial): Promise<IssuedCredential> {
    const publicKey = material.publicKey === undefined ? undefined : parseEd25519PublicKeyLine(material.publicKey);
    if (!publicKey) {
      throw new NothingIssued('usage', `role ${grant.role} issues SSH certificates, and this request carried no session key to sign`, { hint: 'use a jit that sends one (this version of the CLI does)' });
    }
    const ca = await this.#ca();
    this.#assertKrlWritable();
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
   * Adds the grant's serial to the KRL, under a lock (two revocations at once must not each write a file
   * without the other's serial), keeping everything else the file holds, and renames the new file into
   * place after it is on disk: sshd refuses every key when it cannot read the file.
   */
  async revoke(grant: GrantRecord): Promise<void> {
    const ca = await this.#ca();
    await withFileLock(`${this.config.krl}.lock`, LOCK_TIMEOUT_MS, () => {
      const temporary = `${this.config.krl}.${process.pid}.tmp`;
      try {
        const updated = addSerials(readIfThere(this.config.krl), ed25519Blob(ca.raw), [serialOf(grant.id)], Math.floor(Date.now() / 1000));
        // Ours alone while we hold the lock; 'wx' never writes through a link left at that name.
        rmSync(temporary, { force: true });
        // Not secret: serials only. sshd reads it as root, or as whoever runs it.
        const fd = openSync(temporary, 'wx', 0o644);
        try {
          writeSync(fd, updated);
          fsyncSync(fd);
        } finally {
          closeSync(fd);
        }
        renameSync(temporary, this.config.krl);
        syncDirectory(dirname(this.config.krl));
      } catch (error) {
        rmSync(temporary, { force: true });
        throw new JitError('unavailable', `cannot add to the KRL ${this.config.krl}: ${(error as Error).message}`, { hint: 'check the file and that the broker may write its directory' });
      }
    });
  }

  /** True once sshd's KRL holds the serial, or the certificate has expired everywhere. */
  async verifyRevoked(grant: GrantRecord): Promise<boolean> {
    if (Date.now() > grant.expiresAtMs + CLOCK_SKEW_SECONDS * 1000) return true;
    const ca = await this.#ca();
    const krl = readIfThere(this.config.krl);
    return krl !== undefined && revokesSerial(krl, ed25519Blob(ca.raw), serialOf(grant.id));
  }
}
