// Questions to the person at the terminal, over @inquirer/prompts (loaded only when a question is asked).
// Callers ask only after `canPrompt` says yes; scripts and CI never see a question.
import { JitError } from '../core/errors.js';

export interface Choice {
  value: string;
  name: string;
  description?: string;
}

export interface Prompter {
  select(message: string, choices: Choice[]): Promise<string>;
  /** `validate` decides at submit (its message is shown); while typing, invalid text is marked ✗. */
  input(message: string, validate: (text: string) => string | true): Promise<string>;
  confirm(message: string): Promise<boolean>;
  /** Text typed without echo (a secret). */
  password(message: string): Promise<string>;
}

/**
 * Interactivity is a checked capability: a person is there only when stdin and stdout are both
 * terminals, and nobody said otherwise (`--no-input`, or `CI` set as CI systems do).
 */
export function canPrompt(
  context: { stdin: { isTTY?: boolean }; stdout: { isTTY?: boolean }; env: Record<string, string | undefined> },
  input: boolean | undefined,
): boolean {
  if (input === false) return false;
  if (context.env.CI !== undefined && context.env.CI !== '' && context.env.CI !== '0' && context.env.CI !== 'false') return false;
  return Boolean(context.stdin.isTTY && context.stdout.isTTY);
}

/** Ctrl-C at a question ends jit before anything was requested: a plain cancellation, not a bug. */
async function answer<T>(question: Promise<T>): Promise<T> {
  try {
    return await question;
  } catch (error) {
    if (error instanceof Error && error.name === 'ExitPromptError') throw new JitError('cancelled', 'cancelled at the prompt; nothing was requested');
    throw error;
  }
}

export class InquirerPrompter implements Prompter {
  async select(message: string, choices: Choice[]): Promise<string> {
    const { select } = await import('@inquirer/prompts');
    return answer(select({ message, choices, pageSize: 12 }));
  }

  async input(message: string, validate: (text: string) => string | true): Promise<string> {
    const { input } = await import('@inquirer/prompts');
    return answer(input({ message, validate, transformer: (text, { isFinal }) => (isFinal || text === '' || validate(text) === true ? text : `${text}  ✗`) }));
  }

  async confirm(message: string): Promise<boolean> {
    const { confirm } = await import('@inquirer/prompts');
    return answer(confirm({ message, default: false }));
  }

  async password(message: string): Promise<string> {
    const { password } = await import('@inquirer/prompts');
    return answer(password({ message, mask: false }));
  }
}
