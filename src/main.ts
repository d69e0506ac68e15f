// Entry point. Answers the calls a shell makes most often (`--version`, `status --prompt`, and
// `prompt SHELL` at every shell start) without loading anything else, then hands over to the
// composition root. The only process.exit.
import { promptSegment } from './core/prompt-segment.js';
import { silenceSqliteExperimentalWarning } from './platform/node-warnings.js';
import { VERSION } from './version.js';

async function main(argv: string[]): Promise<number> {
  const args = argv.slice(2);
  if (args.length === 1 && (args[0] === '--version' || args[0] === '-V')) {
    process.stdout.write(`${VERSION}\n`);
    return 0;
  }
  if (args.length === 2 && args[0] === 'status' && args[1] === '--prompt') {
    // No broker, no keychain, no network: environment and clock only, so any prompt can afford it.
    const segment = promptSegment(process.env, Math.floor(Date.now() / 1000));
    process.stdout.write(segment && `${segment}\n`);
    return 0;
  }
  if (args.length === 2 && args[0] === 'prompt' && ['bash', 'zsh', 'fish'].includes(args[1]!)) {
    const { shippedShellFile } = await import('./shell/shells.js');
    process.stdout.write(shippedShellFile(`prompt.${args[1]}`));
    return 0;
  }
  // Before the command line loads node:sqlite: Node 22 would print an ExperimentalWarning for it.
  silenceSqliteExperimentalWarning();
  const { run } = await import('./cli/run.js');
  return run(argv);
}

const code = await main(process.argv);
// Let stdout drain before leaving: a piped `--json` must arrive whole.
process.stdout.write('', () => process.exit(code));
