// Node's own warnings that a jit user can do nothing about.
//
// Node 22 prints "ExperimentalWarning: SQLite is an experimental feature and might change at any time"
// on stderr the first time node:sqlite loads, that is on every command that opens the embedded store.
// jit chose node:sqlite knowingly (DESIGN.md, "Chosen dependencies") and its tests hold the store's
// behaviour; the line would only clutter every error and every script's stderr. Exactly that warning
// is dropped; every other warning is printed as before.

type EmitWarning = (warning: string | Error, ...rest: unknown[]) => void;

export function isSqliteExperimentalWarning(warning: string | Error, typeOrOptions: unknown): boolean {
  const name = typeof warning === 'string' ? (typeof typeOrOptions === 'string' ? typeOrOptions : (typeOrOptions as { type?: string } | undefined)?.type) : warning.name;
  const message = typeof warning === 'string' ? warning : warning.message;
  return name === 'ExperimentalWarning' && message.startsWith('SQLite is an experimental feature');
}

/** Called once, before anything loads node:sqlite. */
export function silenceSqliteExperimentalWarning(target: { emitWarning: EmitWarning } = process as unknown as { emitWarning: EmitWarning }): void {
  const emitWarning = target.emitWarning;
  target.emitWarning = function (this: unknown, warning: string | Error, ...rest: unknown[]) {
    if (isSqliteExperimentalWarning(warning, rest[0])) return;
    return emitWarning.call(this, warning, ...rest);
  };
}
