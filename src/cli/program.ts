// The command-line surface from DESIGN.md. Each command's code is imported only when it runs.
import { resolve } from 'node:path';
import { Command, CommanderError, type OptionValues } from '@commander-js/extra-typings';
import { ExitCode, JitError } from '../core/errors.js';
import { VERSION } from '../version.js';
import type { Context } from './context.js';
import { defineApprove, defineDeny, defineRequests } from './commands/define/approvals.js';
import { defineAudit, defineAuditExport, defineAuditStanding, defineAuditVerify } from './commands/define/audit.js';
import { defineBreakGlass, defineReview } from './commands/define/break-glass.js';
import { defineElevate } from './commands/define/elevate.js';
import { defineExec } from './commands/define/exec.js';
import { defineExtend } from './commands/define/extend.js';
import { examples } from './commands/define/help.js';
import { defineLogin, defineLogout, defineWhoami } from './commands/define/login.js';
import { defineRevoke } from './commands/define/revoke.js';
import { defineRoles } from './commands/define/roles.js';
import { defineCompletion, defineDoctor, defineInit, definePrompt } from './commands/define/setup.js';
import { defineSecret, defineSecretRemove, defineSecretSet } from './commands/define/secret.js';
import { defineServe } from './commands/define/serve.js';
import { defineStatus } from './commands/define/status.js';
import { execWithoutDashDash, mustFollowDashDash, usageError } from './usage.js';

/** What a command's module exports: its work, given its typed flags and positional arguments. */
type Action<Options> = (options: Options & { args: string[] }, context: Context) => Promise<number>;

/**
 * `--identity-token-file` is JIT_IDENTITY_TOKEN_FILE said on the command line: set in the environment, so
 * that the broker client reads it on every call and the session's own `jit status` and `jit revoke` do too.
 */
async function identityTokenFile(options: { identityTokenFile?: string }, context: Context): Promise<void> {
  if (options.identityTokenFile === undefined) return;
  if ((await context.config()).backend !== 'http') {
    throw new JitError('usage', '--identity-token-file proves a CI job to a team broker, and config.yaml says backend: embedded', { hint: 'set backend: http and broker: URL in config.yaml (README.md, "Workload identity for CI")' });
  }
  context.env.JIT_IDENTITY_TOKEN_FILE = resolve(options.identityTokenFile);
}

/** Builds the program; exported so completions and tests can walk every command and flag. `args`: the command line after `jit`. */
export function buildProgram(context: Context, setExit: (code: number) => void, args: string[] = []): Command {
  const program = new Command('jit')
    // Before any subcommand exists, so they all inherit it: commander throws instead of exiting.
    .exitOverride()
    // `jit audit standing --json`: options after a subcommand belong to that subcommand.
    .enablePositionalOptions()
    .description('Just-in-time privilege elevation: ticket-bound, short-lived credentials that disappear when the task ends.')
    .version(VERSION, '-V, --version')
    // commander's own error lines are not printed: runProgram turns them into jit's one error shape.
    .configureOutput({ writeOut: (text) => context.stdout.write(text), writeErr: (text) => context.stderr.write(text), outputError: () => {} })
    .addHelpText('after', examples('jit elevate --ticket OPS-123 --role demo', 'jit exec --ticket OPS-123 --role demo -- ./deploy.sh', 'jit status', 'jit audit verify'));

  /** The command's module is imported only when it runs: start-up pays for one command, not all. */
  const runs = <Args extends unknown[], Options extends OptionValues>(command: Command<Args, Options>, load: () => Promise<{ default: Action<Options> }>) =>
    command.action(async () => {
      setExit(await (await load()).default({ ...command.opts(), args: command.args }, context));
    });

  runs(defineElevate(program).hook('preAction', (command) => identityTokenFile(command.opts(), context)), () => import('./commands/elevate.js'));
  runs(
    defineExec(program)
      .hook('preAction', (command) => identityTokenFile(command.opts(), context))
      // SECURITY: a command before `--` has its options read as jit's: `grep -r admin` would change the role.
      .hook('preAction', () => {
        const fixed = execWithoutDashDash(program, args);
        if (fixed) throw mustFollowDashDash(fixed);
      }),
    () => import('./commands/exec.js'),
  );
  runs(defineStatus(program), () => import('./commands/status.js'));
  runs(defineRevoke(program), () => import('./commands/revoke.js'));
  runs(defineExtend(program), () => import('./commands/extend.js'));
  runs(defineRoles(program), () => import('./commands/roles.js'));
  runs(defineRequests(program), () => import('./commands/requests.js'));
  runs(defineApprove(program), () => import('./commands/approve.js'));
  runs(defineDeny(program), () => import('./commands/deny.js'));
  runs(defineBreakGlass(program), () => import('./commands/break-glass.js'));
  runs(defineReview(program), () => import('./commands/review.js'));
  const audit = runs(defineAudit(program), () => import('./commands/audit-list.js'));
  runs(defineAuditVerify(audit), () => import('./commands/audit-verify.js'));
  runs(defineAuditExport(audit), () => import('./commands/audit-export.js'));
  runs(defineAuditStanding(audit), () => import('./commands/audit-standing.js'));
  runs(defineLogin(program), () => import('./commands/login.js'));
  runs(defineWhoami(program), () => import('./commands/whoami.js'));
  runs(defineLogout(program), () => import('./commands/logout.js'));
  runs(defineServe(program), () => import('./commands/serve.js'));
  const secret = defineSecret(program);
  runs(defineSecretSet(secret), () => import('./commands/secret-set.js'));
  runs(defineSecretRemove(secret), () => import('./commands/secret-remove.js'));
  runs(defineInit(program), () => import('./commands/init.js'));
  runs(defineDoctor(program), () => import('./commands/doctor.js'));
  runs(defineCompletion(program), () => import('./commands/completion.js'));
  runs(definePrompt(program), () => import('./commands/prompt.js'));
  return program;
}

export async function runProgram(argv: string[], context: Context): Promise<number> {
  let exitCode: number = ExitCode.ok;
  const program = buildProgram(context, (code) => (exitCode = code), argv.slice(2));
  try {
    await program.parseAsync(argv);
  } catch (error) {
    if (!(error instanceof CommanderError)) throw error;
    // Help and version were printed as asked; help shown for a bare `jit` is still a usage error.
    if (['commander.helpDisplayed', 'commander.version', 'commander.help'].includes(error.code)) return error.exitCode === 0 ? ExitCode.ok : ExitCode.usage;
    throw usageError(error, program, argv.slice(2));
  }
  return exitCode;
}
