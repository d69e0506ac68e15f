// `jit audit` and its subcommands: their flags and help. The work is in ../audit-*.ts, loaded only when it runs.
import type { Command } from '@commander-js/extra-typings';
import { examples } from './help.js';

export function defineAudit(program: Command) {
  return program
    .command('audit')
    .enablePositionalOptions()
    .description('show the audit trail, prove it, or list standing access')
    .option('--grant <id>', 'only events of this grant')
    .option('--ticket <id>', 'only events of this ticket')
    .option('--break-glass', "the last 90 days' break-glass uses and whether each was reviewed")
    .option('--json', 'machine-readable output')
    .addHelpText('after', examples('jit audit --ticket OPS-123', 'jit audit --break-glass', 'jit audit --grant g_0f3k… --json', 'jit audit verify', 'jit audit standing'));
}

export function defineAuditVerify(audit: Command) {
  return audit
    .command('verify')
    .description('prove the hash chain, its signed checkpoints and the anchor; with a team broker, prove its published chain here, against the key and head this workstation saw before; exit 1 naming the first bad event')
    .option('--export <file>', 'also prove that the chain still holds this earlier `jit audit export`, unchanged')
    .option('--json', 'machine-readable output')
    .addHelpText('after', examples('jit audit verify', 'jit audit verify --json', 'jit audit verify --export audit-2026-11.jsonl'));
}

export function defineAuditExport(audit: Command) {
  return audit
    .command('export')
    .description('write the events and signed checkpoints as JSON Lines, for a SIEM or safekeeping')
    .option('--since <seq>', 'only events after this sequence number')
    .addHelpText('after', examples('jit audit export > audit.jsonl', 'jit audit export --since 1200 >> siem.jsonl', 'jit audit verify --export audit.jsonl'));
}

export function defineAuditStanding(audit: Command) {
  return audit
    .command('standing')
    .description('list grants past their end without a verified revocation (should be empty); exit 1 if any')
    .option('--json', 'machine-readable output')
    .addHelpText('after', examples('jit audit standing', 'jit audit standing --json'));
}

export type AuditListOptions = ReturnType<ReturnType<typeof defineAudit>['opts']>;
export type AuditVerifyOptions = ReturnType<ReturnType<typeof defineAuditVerify>['opts']>;
export type AuditExportOptions = ReturnType<ReturnType<typeof defineAuditExport>['opts']>;
export type AuditStandingOptions = ReturnType<ReturnType<typeof defineAuditStanding>['opts']>;
