// The flags `elevate` and `exec` share: what is asked for, for which ticket, how long and why.
import type { Command, OptionValues } from '@commander-js/extra-typings';

export function withRequestFlags<Args extends unknown[], Options extends OptionValues>(command: Command<Args, Options>) {
  return command
    .option('-t, --ticket <id>', 'the ticket this task belongs to, e.g. OPS-123')
    .option('-r, --role <role>', 'the role to request (see `jit roles`)')
    .option('--ttl <duration>', 'how long the grant lives, e.g. 15m or 1h30m (bounded by the role)')
    .option('--reason <text>', 'why you need it; recorded in the audit')
    .option('--no-input', 'never ask: fail with exit 64 naming a missing flag (the default off a terminal and under CI)')
    .option('--identity-token-file <path>', 'in CI, with a team broker: the OIDC identity token file that proves this job (a Kubernetes projected token), re-read on every call; as JIT_IDENTITY_TOKEN_FILE');
}
