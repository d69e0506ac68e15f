// A real pseudo-terminal for interactive tests, from util-linux `script`: what we write goes to
// the terminal's input, what the programs print comes back, and script exits with their status.
import { spawn } from 'node:child_process';
import { until } from './waits.js';

export interface Terminal {
  pid: number;
  type(text: string): void;
  screen(): string;
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<void>;
  exited: Promise<number | null>;
}

const quote = (arg: string) => `'${arg.replace(/'/g, `'\\''`)}'`;

export function openTerminal(argv: string[], env: Record<string, string>): Terminal {
  // A real terminal has a size; script's pty starts with none, so give it one first.
  const command = `stty cols 120 rows 40 2>/dev/null; exec ${argv.map(quote).join(' ')}`;
  const child = spawn('script', ['--quiet', '--return', '--flush', '--command', command, '/dev/null'], {
    env: { ...env, TERM: 'xterm' },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return {
    pid: child.pid!,
    type: (text) => child.stdin.write(text),
    screen: () => output,
    waitFor: async (pattern, timeoutMs = 10_000) => {
      await until(`${pattern} on the terminal; it shows:\n${output}`, () => pattern.test(output), timeoutMs);
    },
    exited,
  };
}
