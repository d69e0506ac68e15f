// `jit doctor`: every check with what it found and how to fix it; exit 1 when one fails.
import { ExitCode } from '../../core/errors.js';
import type { Context } from '../context.js';
import type { DoctorOptions } from './define/setup.js';
import { checkBackend, checkConfigAndPolicy, checkKeychain, checkPrivateDir, checkShell, type CheckResult } from '../doctor/checks.js';
import { checkKeychainCleanup } from '../doctor/keychain-cleanup.js';
import { checkTicketSystems } from '../doctor/ticket-systems.js';
import { colorFor, printJson } from '../render.js';
import { withSpinner } from '../spinner.js';

export default async function doctor(options: DoctorOptions, context: Context): Promise<number> {
  const run = async (): Promise<CheckResult[]> => [
    await checkKeychain(context),
    checkPrivateDir('state dir', context.paths.stateDir),
    checkPrivateDir('config dir', context.paths.configDir),
    ...(await checkConfigAndPolicy(context)),
    ...(await checkTicketSystems(context)),
    ...(await checkBackend(context, Date.now())),
    await checkKeychainCleanup(context.credentials(), context.secrets(), await context.backend().catch(() => undefined)),
    ...checkShell(context.env),
  ];
  const results = options.json ? await run() : await withSpinner(context, 'checking', run());
  const failed = results.some((result) => result.status === 'fail');
  if (options.json) {
    printJson(context, { ok: !failed, checks: results });
    return failed ? ExitCode.checkFailed : ExitCode.ok;
  }
  const color = colorFor(context.stdout, context.env);
  const mark = { ok: color.green('ok  '), warn: color.yellow('warn'), fail: color.red('FAIL') };
  const width = Math.max(...results.map((result) => result.name.length));
  for (const result of results) {
    context.stdout.write(`${mark[result.status]}  ${result.name.padEnd(width)}  ${result.detail}\n`);
    if (result.fix) context.stdout.write(`${' '.repeat(width + 8)}${color.dim('→')} ${result.fix}\n`);
  }
  return failed ? ExitCode.checkFailed : ExitCode.ok;
}
