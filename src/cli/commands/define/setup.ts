// The commands that set jit up on a machine: `init`, `doctor`, `completion`, `prompt`. Their flags and
// help; the work is in ../init.ts and the others, loaded only when they run.
import type { Command } from '@commander-js/extra-typings';
import { examples } from './help.js';

export function defineInit(program: Command) {
  return program
    .command('init')
    .description('write an editable config and policy to the config dir')
    .option('--force', 'overwrite existing files')
    .addHelpText('after', examples('jit init', 'JIT_CONFIG_DIR=/etc/jit jit init --force'));
}

export function defineDoctor(program: Command) {
  return program
    .command('doctor')
    .description('check the keychain, state dir, policy, clock, backend and shell set-up; say how to fix each')
    .option('--json', 'machine-readable output')
    .addHelpText('after', examples('jit doctor', 'jit doctor --json'));
}

export function defineCompletion(program: Command) {
  return program
    .command('completion')
    .description('print shell completions for jit (commands, flags, roles and grant ids from a local cache)')
    .argument('<shell>', 'bash, zsh or fish')
    .addHelpText('after', examples('echo \'eval "$(jit completion bash)"\' >> ~/.bashrc', 'jit completion zsh > "${fpath[1]}/_jit"', 'jit completion fish > ~/.config/fish/completions/jit.fish'));
}

export function definePrompt(program: Command) {
  return program
    .command('prompt')
    .description('print the prompt segment (role and time left) for your shell; it starts no process per prompt')
    .argument('<shell>', 'bash, zsh or fish')
    .addHelpText('after', examples('echo \'eval "$(jit prompt bash)"\' >> ~/.bashrc   # then: PS1=\'${jit_prompt:+[$jit_prompt] }\'$PS1', 'echo \'eval "$(jit prompt zsh)"\' >> ~/.zshrc', "echo 'jit prompt fish | source' >> ~/.config/fish/config.fish"));
}

export type InitOptions = ReturnType<ReturnType<typeof defineInit>['opts']>;
export type DoctorOptions = ReturnType<ReturnType<typeof defineDoctor>['opts']>;
