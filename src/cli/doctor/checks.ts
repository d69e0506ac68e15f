// What `jit doctor` checks. Each check says what it found and, when something is wrong, how to fix it.
// Checks only read, except the keychain probe, which writes one entry and removes it again.
import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { JitError } from '../../core/errors.js';
import { KeyringSecretStore, type KeychainChoice } from '../../platform/keyring-store.js';
import { lstatOrUndefined, ownershipProblem } from '../../platform/paths.js';
import { SHELLS, shellOfPath, type ShellName } from '../../shell/shells.js';
import type { Context } from '../context.js';

export interface CheckResult {
  name: string;
  status: 'ok' | 'warn' | 'fail';
  detail: string;
  fix?: string;
}

const ok = (name: string, detail: string): CheckResult => ({ name, status: 'ok', detail });
const fail = (name: string, detail: string, fix: string | undefined): CheckResult => ({ name, status: 'fail', detail, ...(fix ? { fix } : {}) });
const warnResult = (name: string, detail: string, fix: string): CheckResult => ({ name, status: 'warn', detail, fix });

function messageOf(error: unknown): { detail: string; fix: string | undefined } {
  const hint = (error as { hint?: string }).hint;
  return { detail: error instanceof Error ? error.message : String(error), fix: hint };
}

/** A private dir and the files directly in it (and in keys/): ours, not links, 0700 and 0600. */
export function checkPrivateDir(name: string, dir: string): CheckResult {
  const stats = lstatOrUndefined(dir);
  if (!stats) return ok(name, `${dir} does not exist yet; jit creates it 0700 on first use`);
  const problem = ownershipProblem(dir, stats, 'directory');
  if (problem) return fail(name, problem.message, problem.hint);
  if ((stats.mode & 0o077) !== 0) return fail(name, `${dir} is mode ${(stats.mode & 0o777).toString(8)}`, `chmod 700 ${dir}`);
  const loose: string[] = [];
  for (const sub of [dir, join(dir, 'keys')]) {
    if (!existsSync(sub)) continue;
    for (const entry of readdirSync(sub, { withFileTypes: true })) {
      const path = join(sub, entry.name);
      const entryStats = lstatOrUndefined(path);
      if (entryStats?.isFile() && (entryStats.mode & 0o077) !== 0) loose.push(path);
      if (entryStats?.isSymbolicLink()) return fail(name, `${path} is a symbolic link`, `remove it; jit never follows links in ${dir}`);
    }
  }
  if (loose.length) return fail(name, `readable by others: ${loose.join(', ')}`, `chmod 600 ${loose.join(' ')}`);
  return ok(name, `${dir}: yours, 0700, files 0600`);
}

/** Which store holds credentials and why, and that it works: one probe entry is written, read back and removed. */
export async function checkKeychain(context: Context): Promise<CheckResult> {
  // An invalid config.yaml is the config check's failure; the keychain is still checked, as auto would choose it.
  const setting = await context.config().then((config) => config.keychain, () => 'auto' as const);
  const store = new KeyringSecretStore({ setting: async () => setting, env: context.env });
  const account = `jit-doctor-${process.pid}`;
  const probe = randomBytes(16).toString('hex');
  const started = Date.now();
  let written = false;
  let choice: KeychainChoice | undefined;
  try {
    choice = await store.choice(account);
    const name = storeNames[choice.store];
    await store.set(account, probe);
    written = true;
    const read = await store.get(account);
    await store.delete(account);
    written = false;
    if (read !== probe) return fail('keychain', `${name}: it stored a value but gave back another`, 'check which Secret Service answers on the session D-Bus');
    return ok('keychain', `${name}, from ${choice.why}; reachable and unlocked (write, read, delete in ${Date.now() - started} ms)`);
  } catch (error) {
    const { detail, fix } = messageOf(error);
    return fail('keychain', choice ? `${storeNames[choice.store]}, from ${choice.why}: ${detail}` : detail, fix);
  } finally {
    // The probe never outlives the check, even when reading it back failed.
    if (written) await store.delete(account).catch(() => undefined);
  }
}

const storeNames: Record<KeychainChoice['store'], string> = {
  'secret-service': 'Secret Service',
  keyutils: 'kernel keyring (keyutils)',
  platform: 'OS keychain',
};

export async function checkConfigAndPolicy(context: Context): Promise<CheckResult[]> {
  const results: CheckResult[] = [];
  try {
    const config = await context.config();
    results.push(ok('config', `backend ${config.backend}, prompt segment ${config.prompt ? 'on' : 'off'}`));
  } catch (error) {
    const { detail, fix } = messageOf(error);
    results.push(fail('config', detail, fix));
  }
  if ((await context.config().catch(() => undefined))?.backend === 'http') {
    results.push(ok('policy', 'decided by the team broker'));
    return results;
  }
  try {
    const { loadPolicy } = await import('../../broker/policy/load.js');
    const policy = await loadPolicy(context.paths.configDir);
    const { rolesNeedingTeamBroker } = await import('../../broker/policy/team-only.js');
    const teamOnly = rolesNeedingTeamBroker(policy);
    if (teamOnly.length > 0) {
      results.push(fail('policy', `${teamOnly.join(', ')} need${teamOnly.length === 1 ? 's' : ''} approvals, which only a team broker collects: requesting ${teamOnly.length === 1 ? 'it' : 'them'} here is refused`, 'serve this policy with `jit serve` (README.md, "Running a team broker"), or set approval.required: 0'));
    } else {
      results.push(ok('policy', `${policy.roles.size} role${policy.roles.size === 1 ? '' : 's'} from ${policy.source}`));
    }
  } catch (error) {
    const { detail, fix } = messageOf(error);
    results.push(fail('policy', detail, fix));
  }
  return results;
}

/** The backend opens, the audit chain verifies, no access is standing, and the clock has not gone back. */
export async function checkBackend(context: Context, now: number): Promise<CheckResult[]> {
  let backend;
  try {
    backend = await context.backend();
  } catch (error) {
    const { detail, fix } = messageOf(error);
    return [fail('backend', detail, fix)];
  }
  let live;
  try {
    live = await backend.grants({ live: true });
  } catch (error) {
    // A team broker that is down, or a login that has lapsed: the fix is in the message.
    const { detail, fix } = messageOf(error);
    return [fail('backend', detail, fix)];
  }
  const results = [ok('backend', `${backend.name}: ${live.length} live grant(s) of yours`)];
  let verdict;
  try {
    verdict = await backend.verifyAudit();
  } catch (error) {
    // A team broker may keep its audit to its auditReaders: then it is theirs to check.
    if (!(error instanceof JitError && error.code === 'denied')) throw error;
    results.push(ok('audit', 'kept by the team broker, which reads it to its auditReaders only'));
    results.push(clockCheck(now, undefined));
    return results;
  }
  const where = backend.name === 'http' ? ', proven from this workstation with the key it first saw' : '';
  results.push(
    verdict.ok
      ? ok('audit', `${verdict.events} events chained, ${verdict.checkpoints} checkpoints verified${where}`)
      : fail('audit', `the chain breaks at event ${verdict.seq}: ${verdict.problem}`, backend.name === 'http' ? 'run `jit audit verify`; tell whoever runs the broker, and keep the evidence (jit audit export > audit.jsonl)' : 'run `jit audit verify`; treat the state dir as tampered with'),
  );
  const standing = await backend.standing();
  results.push(standing.length === 0 ? ok('standing', 'no access outlived its grant') : fail('standing', `${standing.length} grant(s) past their end without a verified revocation`, 'run `jit audit standing`'));
  // A team broker stamps its own events with its own clock; its whole chain is not fetched for the last time.
  const [last] = backend.name === 'http' ? [] : (await backend.events()).slice(-1);
  results.push(clockCheck(now, last?.at));
  return results;
}

/** The clock is plausible and, when the audit has an event, not behind the last one. */
function clockCheck(now: number, lastEventAt: string | undefined): CheckResult {
  if (new Date(now).getUTCFullYear() < 2025) return fail('clock', `the system clock says ${new Date(now).toISOString()}`, 'set the clock (timedatectl set-ntp true); TTLs depend on it');
  if (lastEventAt !== undefined && now < Date.parse(lastEventAt) - 60_000) return fail('clock', `the clock is behind the last audit event (${lastEventAt})`, 'the clock went backwards: fix it (timedatectl set-ntp true) before elevating');
  return ok('clock', new Date(now).toISOString());
}

function rcFiles(shell: ShellName, env: Context['env']): string[] {
  const home = env.HOME ?? '';
  const configHome = env.XDG_CONFIG_HOME || join(home, '.config');
  switch (shell) {
    case 'bash':
      return [join(home, '.bashrc'), join(home, '.bash_profile')];
    case 'zsh':
      return [join(env.ZDOTDIR || home, '.zshrc')];
    case 'fish':
      return [join(configHome, 'fish', 'config.fish')];
  }
}

function completionFiles(shell: ShellName, env: Context['env']): string[] {
  const home = env.HOME ?? '';
  const dataHome = env.XDG_DATA_HOME || join(home, '.local', 'share');
  const configHome = env.XDG_CONFIG_HOME || join(home, '.config');
  switch (shell) {
    case 'bash':
      return [join(dataHome, 'bash-completion', 'completions', 'jit')];
    case 'zsh':
      return [];
    case 'fish':
      return [join(configHome, 'fish', 'completions', 'jit.fish')];
  }
}

const readOrEmpty = (path: string) => {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return '';
  }
};

const promptFix: Record<ShellName, string> = {
  bash: `echo 'eval "$(jit prompt bash)"' >> ~/.bashrc, then add \${jit_prompt} to PS1`,
  zsh: `echo 'eval "$(jit prompt zsh)"' >> ~/.zshrc, then add \${jit_prompt} to PROMPT`,
  fish: `echo 'jit prompt fish | source' >> ~/.config/fish/config.fish`,
};
const completionFix: Record<ShellName, string> = {
  bash: `echo 'eval "$(jit completion bash)"' >> ~/.bashrc`,
  zsh: `echo 'eval "$(jit completion zsh)"' >> ~/.zshrc  (after compinit)`,
  fish: 'jit completion fish > ~/.config/fish/completions/jit.fish',
};

/** Prompt segment and completions in the user's login shell; advice, not failures. */
export function checkShell(env: Context['env']): CheckResult[] {
  const shell = env.SHELL ? shellOfPath(env.SHELL) : undefined;
  if (!shell) return [ok('shell', `${env.SHELL ?? 'no $SHELL'}: jit integrates with ${SHELLS.join(', ')}; \`jit status --prompt\` works anywhere`)];
  const rc = rcFiles(shell, env).map(readOrEmpty).join('\n');
  const hasPrompt = rc.includes(`jit prompt ${shell}`);
  const hasCompletion = rc.includes(`jit completion ${shell}`) || completionFiles(shell, env).some((path) => existsSync(path));
  return [
    hasPrompt ? ok('prompt', `${shell}: the segment is set up`) : warnResult('prompt', `${shell}: the prompt segment is not set up`, promptFix[shell]),
    hasCompletion ? ok('completion', `${shell}: completions are set up`) : warnResult('completion', `${shell}: completions are not set up`, completionFix[shell]),
  ];
}
