// All terminal formatting lives here: colour (TTY only, NO_COLOR and FORCE_COLOR honoured), tables, errors.
import type { ChalkInstance } from 'chalk';
import { JitError } from '../core/errors.js';
import type { Context, Output } from './context.js';

type Style = Pick<ChalkInstance, 'bold' | 'dim' | 'red' | 'green' | 'yellow'>;

const plainText = (text: string) => text;
const plain: Style = Object.assign(Object.create(null), { bold: plainText, dim: plainText, red: plainText, green: plainText, yellow: plainText }) as Style;
let chalk: typeof import('chalk') | undefined;

export function wantsColor(stream: Output, env: Context['env']): boolean {
  if (env.NO_COLOR) return false;
  if (env.FORCE_COLOR !== undefined && env.FORCE_COLOR !== '0') return true;
  return Boolean(stream.isTTY) && env.TERM !== 'dumb';
}

/**
 * Loads chalk only when some output will be coloured: it costs ~20 ms of start-up, which
 * scripts and pipes (no colour) should not pay. Called once by the composition root.
 */
export async function prepareColor(context: Pick<Context, 'stdout' | 'stderr' | 'env'>): Promise<void> {
  if (wantsColor(context.stdout, context.env) || wantsColor(context.stderr, context.env)) chalk = await import('chalk');
}

export function colorFor(stream: Output, env: Context['env']): Style {
  return chalk && wantsColor(stream, env) ? new chalk.Chalk({ level: 1 }) : plain;
}

export function printJson(ctx: Context, value: unknown): void {
  ctx.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

/** A plain aligned table: the first row is the header. */
export function table(rows: string[][], color: Style): string {
  const widths = rows[0]!.map((_, column) => Math.max(...rows.map((row) => (row[column] ?? '').length)));
  return rows
    .map((row, index) => {
      const line = row.map((cell, column) => (column === row.length - 1 ? cell : cell.padEnd(widths[column]!))).join('  ');
      return index === 0 ? color.bold(line) : line;
    })
    .join('\n')
    .concat('\n');
}

export function warn(ctx: Context, message: string): void {
  ctx.stderr.write(`${colorFor(ctx.stderr, ctx.env).yellow('jit:')} ${message}\n`);
}

/** One format for every error: what failed and why, then what to do. */
export function printError(ctx: Context, error: unknown): void {
  const color = colorFor(ctx.stderr, ctx.env);
  if (error instanceof JitError) {
    ctx.stderr.write(`${color.red('jit:')} ${error.message}\n`);
    if (error.hint) ctx.stderr.write(`  ${color.dim('→')} ${error.hint}\n`);
    return;
  }
  const detail = ctx.env.JIT_DEBUG && error instanceof Error ? `\n${error.stack}` : '';
  ctx.stderr.write(
    `${color.red('jit: internal error:')} ${error instanceof Error ? error.message : String(error)}${detail}\n` +
      `  ${color.dim('→')} this is a bug in jit; please report it with the output of JIT_DEBUG=1 and the command you ran\n`,
  );
}
