// The command-line surface from DESIGN.md. Each command's code is imported only when it runs.
import { Command, CommanderError, Option } from 'commander';
import { ExitCode } from '../core/errors.js';
import { VERSION } from '../version.js';
import type { Context } from './context.js';
import { execWithoutDashDash, mustFollowDashDash, usageError } from './usage.js';

function examples(...lines: string[]): string {
  return `\nExamples:\n${lines.map((line) => `  ${line}`).join('\n')}\n`;
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

  const act = <T>(load: () => Promise<{ default: (options: T, context: Context) => Promise<number> }>) =>
    async (...args: unknown[]) => {
      const command = args.at(-1) as Command;
      const options = { ...command.opts(), args: command.args } as T;
      setExit(await (await load()).default(options, context));
    };

  const requestOptions = (command: Command) =>
    command
      .option('-t, --ticket <id>', 'the ticket this task belongs to, e.g. OPS-123')
      .option('-r, --role <role>', 'the role to request (see `jit roles`)')
      .option('--ttl <duration>', 'how long the grant lives, e.g. 15m or 1h30m (bounded by the role)')
      .option('--reason <text>', 'why you need it; recorded in the audit')
      .option('--no-input', 'never ask: fail with exit 64 naming a missing flag (the default off a terminal and under CI)');

  requestOptions(program.command('elevate').description('open a subshell with a short-lived credential; revoked when the shell exits'))
    .option('--shell <path>', 'the shell to start (default: $SHELL, else /bin/sh)')
    .option('--no-wait', 'return at once (exit 75) if the request needs an approval that is still pending')
    .option('--no-prompt', 'do not add the role and time left to the subshell\'s prompt (config: prompt: false)')
    .addHelpText('after', examples('jit elevate --ticket OPS-123 --role demo', 'jit elevate                       # on a terminal: choose the role, type the ticket', 'jit elevate -t OPS-123 -r demo --ttl 30m --reason "rotate keys"', 'jit elevate -t OPS-123 -r demo --shell /bin/zsh --no-prompt'))
    .action(act(() => import('./commands/elevate.js')));

  requestOptions(program.command('exec').description('run one command with a short-lived credential; revoked when it exits'))
    .option('--wait <duration>', 'how long to wait for a pending approval before exiting 75')
    .argument('[command...]', 'the command and its arguments, after --')
    .addHelpText('after', examples('jit exec --ticket OPS-123 --role demo -- ./deploy.sh --prod', 'jit exec -t OPS-123 -r demo --ttl 5m -- sh -c \'curl -H "Authorization: Bearer $JIT_TOKEN" …\''))
    // SECURITY: a command before `--` has its options read as jit's: `grep -r admin` would change the role.
    .hook('preAction', () => {
      const fixed = execWithoutDashDash(program, args);
      if (fixed) throw mustFollowDashDash(fixed);
    })
    .action(act(() => import('./commands/exec.js')));

  program
    .command('status')
    .description('show the current session and your live grants')
    .addOption(new Option('--json', 'machine-readable output').conflicts('prompt'))
    .option('--prompt', 'print only "ROLE TIME-LEFT" for a shell prompt (no broker, no network)')
    .addHelpText('after', examples('jit status', 'jit status --json', 'PS1=\'$(jit status --prompt) \\$ \''))
    .action(act(() => import('./commands/status.js')));

  program
    .command('revoke')
    .description('revoke a grant now (default: the current session)')
    .argument('[grant-id]', 'the grant to revoke')
    .option('--all', 'revoke all your live grants (asks first on a terminal)')
    .option('-y, --yes', 'do not ask before revoking --all')
    .option('--no-input', 'never ask (the default off a terminal and under CI)')
    .option('--json', 'machine-readable output')
    .addHelpText('after', examples('jit revoke', 'jit revoke g_0f3k…', 'jit revoke --all', 'jit revoke --all --yes --json'))
    .action(act(() => import('./commands/revoke.js')));

  program
    .command('roles')
    .description('list the roles you may request, with their TTLs and ticket checks')
    .option('--json', 'machine-readable output')
    .addHelpText('after', examples('jit roles', 'jit roles --json'))
    .action(act(() => import('./commands/roles.js')));

  const audit = program
    .command('audit')
    .enablePositionalOptions()
    .description('show the audit trail, prove it, or list standing access')
    .option('--grant <id>', 'only events of this grant')
    .option('--ticket <id>', 'only events of this ticket')
    .option('--json', 'machine-readable output')
    .addHelpText('after', examples('jit audit --ticket OPS-123', 'jit audit --grant g_0f3k… --json', 'jit audit verify', 'jit audit standing'))
    .action(act(() => import('./commands/audit-list.js')));
  audit
    .command('verify')
    .description('prove the hash chain, its signed checkpoints and the anchor; exit 1 naming the first bad event')
    .option('--export <file>', 'also prove that the chain still holds this earlier `jit audit export`, unchanged')
    .option('--json', 'machine-readable output')
    .addHelpText('after', examples('jit audit verify', 'jit audit verify --json', 'jit audit verify --export audit-2026-11.jsonl'))
    .action(act(() => import('./commands/audit-verify.js')));
  audit
    .command('export')
    .description('write the events and signed checkpoints as JSON Lines, for a SIEM or safekeeping')
    .option('--since <seq>', 'only events after this sequence number')
    .addHelpText('after', examples('jit audit export > audit.jsonl', 'jit audit export --since 1200 >> siem.jsonl', 'jit audit verify --export audit.jsonl'))
    .action(act(() => import('./commands/audit-export.js')));
  audit
    .command('standing')
    .description('list grants past their end without a verified revocation (should be empty); exit 1 if any')
    .option('--json', 'machine-readable output')
    .addHelpText('after', examples('jit audit standing', 'jit audit standing --json'))
    .action(act(() => import('./commands/audit-standing.js')));

  program
    .command('init')
    .description('write an editable config and policy to the config dir')
    .option('--force', 'overwrite existing files')
    .addHelpText('after', examples('jit init', 'JIT_CONFIG_DIR=/etc/jit jit init --force'))
    .action(act(() => import('./commands/init.js')));

  program
    .command('doctor')
    .description('check the keychain, state dir, policy, clock, backend and shell set-up; say how to fix each')
    .option('--json', 'machine-readable output')
    .addHelpText('after', examples('jit doctor', 'jit doctor --json'))
    .action(act(() => import('./commands/doctor.js')));

  program
    .command('completion')
    .description('print shell completions for jit (commands, flags, roles and grant ids from a local cache)')
    .argument('<shell>', 'bash, zsh or fish')
    .addHelpText('after', examples('echo \'eval "$(jit completion bash)"\' >> ~/.bashrc', 'jit completion zsh > "${fpath[1]}/_jit"', 'jit completion fish > ~/.config/fish/completions/jit.fish'))
    .action(act(() => import('./commands/completion.js')));

  program
    .command('prompt')
    .description('print the prompt segment (role and time left) for your shell; it starts no process per prompt')
    .argument('<shell>', 'bash, zsh or fish')
    .addHelpText('after', examples('echo \'eval "$(jit prompt bash)"\' >> ~/.bashrc   # then: PS1=\'${jit_prompt:+[$jit_prompt] }\'$PS1', 'echo \'eval "$(jit prompt zsh)"\' >> ~/.zshrc', 'echo \'jit prompt fish | source\' >> ~/.config/fish/config.fish'))
    .action(act(() => import('./commands/prompt.js')));

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
