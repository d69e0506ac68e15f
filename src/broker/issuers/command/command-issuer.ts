// The command issuer: admin-provided executables that issue, revoke and verify a credential,
// speaking JSON on stdin and stdout (protocol in docs/command-issuer.md).
import { spawn } from 'node:child_process';
import { statSync } from 'node:fs';
import { JitError, displayValue } from '../../../core/errors.js';
import { validateCredentialName } from '../../../core/session-env.js';
import type { CommandConfig } from './schema.js';
import type { GrantRecord } from '../../records.js';
import type { IssuedCredential, Issuer, IssueSubject } from '../issuer.js';
import { withParentDeathSignal } from '../../../platform/setpriv.js';

export const COMMAND_PROTOCOL = 'jit-command-issuer/1';
const MAX_OUTPUT_BYTES = 64 * 1024;

type Action = 'issue' | 'revoke' | 'verify' | 'renew';

function assertTrustedExecutable(path: string): void {
  let stats;
  try {
    stats = statSync(path);
  } catch (error) {
    throw new JitError('config', `issuer executable ${path} cannot be found`, { hint: 'fix the issuer path in the policy', cause: error });
  }
  // SECURITY: an executable others can rewrite would let them mint or keep credentials.
  const uid = process.getuid?.();
  if (!stats.isFile() || (stats.mode & 0o111) === 0) {
    throw new JitError('config', `issuer ${path} is not an executable file`, { hint: `chmod +x ${path}` });
  }
  if ((stats.mode & 0o022) !== 0 || (uid !== undefined && stats.uid !== 0 && stats.uid !== uid)) {
    throw new JitError('config', `issuer ${path} may be changed by someone else (owner uid ${stats.uid}, mode ${(stats.mode & 0o777).toString(8)})`, {
      hint: `make it owned by root or you and not group- or world-writable: chmod go-w ${path}`,
    });
  }
}

function subjectOf(grant: IssueSubject) {
  return {
    id: grant.id,
    role: grant.role,
    ticket: grant.ticket,
    requester: grant.requester,
    issuedAt: Math.floor(grant.issuedAtMs / 1000),
    expiresAt: Math.floor(grant.expiresAtMs / 1000),
  };
}

export class CommandIssuer implements Issuer {
  /** Present only when the policy names a renew executable: the broker extends no grant of a role without one. */
  readonly renew?: (grant: GrantRecord, expiresAtMs: number) => Promise<void>;

  constructor(private readonly config: CommandConfig) {
    const renewer = config.renew;
    if (renewer) this.renew = async (grant, expiresAtMs) => void (await this.#run('renew', renewer, { ...grant, expiresAtMs }, grant.handle));
  }

  async #run(action: Action, executable: string, grant: IssueSubject, handle: string | null): Promise<unknown> {
    assertTrustedExecutable(executable);
    const request = JSON.stringify({ protocol: COMMAND_PROTOCOL, action, grant: subjectOf(grant), handle, params: this.config.params });
    const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('JIT_')));
    const timeoutMs = this.config.timeoutSeconds * 1000;
    return new Promise((resolve, reject) => {
      // SECURITY: the request travels on stdin, never in argv, where other users could read it.
      // Its own process group, so a timeout ends everything the issuer started, not only the issuer.
      // SECURITY: killed with jit, so an issuer cannot deliver a credential for a grant that was ended meanwhile.
      const [file, args] = withParentDeathSignal('KILL', executable, []);
      const child = spawn(file, args, { stdio: ['pipe', 'pipe', 'pipe'], env, detached: true });
      const killAll = () => {
        try {
          process.kill(-child.pid!, 'SIGKILL');
        } catch {
          child.kill('SIGKILL');
        }
      };
      const stdout: Buffer[] = [];
      let stdoutBytes = 0;
      let stderr = '';
      let failure: JitError | undefined;
      const timer = setTimeout(() => {
        failure = new JitError('unavailable', `issuer ${action} did not finish within ${this.config.timeoutSeconds}s`, { hint: `check ${executable}` });
        killAll();
        // Not waiting for its output to close: a process that left the group (setsid) may hold it open for good.
        reject(failure);
      }, timeoutMs);
      child.stdout.on('data', (chunk: Buffer) => {
        stdoutBytes += chunk.length;
        if (stdoutBytes > MAX_OUTPUT_BYTES) {
          failure ??= new JitError('unavailable', `issuer ${action} wrote more than ${MAX_OUTPUT_BYTES} bytes`);
          killAll();
        } else stdout.push(chunk);
      });
      child.stderr.on('data', (chunk: Buffer) => {
        if (stderr.length < 4096) stderr += chunk.toString('utf8');
      });
      child.stdin.on('error', () => {}); // an issuer that does not read its request fails by its exit code instead
      child.on('error', (error) => {
        clearTimeout(timer);
        reject(new JitError('unavailable', `cannot run issuer ${executable}: ${error.message}`, { cause: error }));
      });
      child.on('close', (code, signal) => {
        clearTimeout(timer);
        if (failure) return reject(failure);
        if (code !== 0) {
          // The first stderr line is the issuer's own reason; issuers must not write secrets there (documented).
          const reason = stderr.trim().split('\n')[0] ?? '';
          return reject(
            new JitError('unavailable', `issuer ${action} failed (${signal ?? `exit ${code}`})${reason ? `: ${displayValue(reason, 200)}` : ''}`, {
              hint: `the target system may be down; check ${executable}`,
            }),
          );
        }
        try {
          resolve(JSON.parse(Buffer.concat(stdout).toString('utf8') || '{}'));
        } catch {
          reject(new JitError('unavailable', `issuer ${action} did not answer with JSON`, { hint: `see docs/command-issuer.md for what ${executable} must print` }));
        }
      });
      child.stdin.end(request);
    });
  }

  async issue(grant: IssueSubject): Promise<IssuedCredential> {
    const answer = (await this.#run('issue', this.config.issue, grant, null)) as { env?: unknown; handle?: unknown };
    const env: Record<string, string> = {};
    if (typeof answer.env !== 'object' || answer.env === null || Array.isArray(answer.env)) {
      throw new JitError('unavailable', 'issuer issue answered without an "env" object', { hint: 'see docs/command-issuer.md' });
    }
    for (const [name, value] of Object.entries(answer.env)) {
      if (typeof value !== 'string') throw new JitError('unavailable', `issuer issue answered a non-string value for ${displayValue(name)}`);
      env[validateCredentialName(name)] = value;
    }
    const handle = answer.handle === undefined || answer.handle === null ? null : String(answer.handle).slice(0, 1024);
    return { env, handle };
  }

  async revoke(grant: GrantRecord): Promise<void> {
    await this.#run('revoke', this.config.revoke, grant, grant.handle);
  }

  async verifyRevoked(grant: GrantRecord): Promise<boolean> {
    // Without a verify executable, a revoke that exited 0 is the only evidence there is.
    if (!this.config.verify) return true;
    const answer = (await this.#run('verify', this.config.verify, grant, grant.handle)) as { revoked?: unknown };
    return answer.revoked === true;
  }
}
