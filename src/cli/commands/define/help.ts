// The shape every command's help ends with.

/** The "Examples:" block shown after a command's flags. */
export function examples(...lines: string[]): string {
  return `\nExamples:\n${lines.map((line) => `  ${line}`).join('\n')}\n`;
}
