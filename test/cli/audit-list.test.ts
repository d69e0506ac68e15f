// `jit audit` renders events from the store, whose strings anyone who could request a grant helped write.
import { describe, expect, it } from 'vitest';
import type { AuditEvent } from '../../src/broker/records.js';
import { auditRows } from '../../src/cli/commands/audit-list.js';

const event: AuditEvent = {
  seq: 7,
  at: '2030-01-01T00:00:00.000Z',
  type: 'request.created',
  actor: 'eve\u202egnp.exe',
  requestId: 'r_0123456789abcdefghijklmnop',
  grantId: null,
  ticket: 'OPS-1\u001b[2J',
  role: 'demo',
  data: { reason: 'fine\u009b31m\u2066hidden\u2069', ttlSeconds: 900 },
  prevHash: 'p',
  hash: 'h',
};

describe('jit audit table', () => {
  it('shows every control and bidi character of an event escaped, never raw', () => {
    const cells = auditRows([event])[1]!;
    for (const cell of cells) expect(cell).not.toMatch(/[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/);
    expect(cells).toEqual([
      '7',
      '2030-01-01T00:00:00.000Z',
      'request.created',
      'r_0123456789abcdefghijklmnop',
      'OPS-1\\u001b[2J',
      'eve\\u202egnp.exe',
      '{"reason":"fine\\u009b31m\\u2066hidden\\u2069","ttlSeconds":900}',
    ]);
  });

  it('has a header row naming the columns', () => {
    expect(auditRows([])).toEqual([['SEQ', 'AT', 'EVENT', 'GRANT/REQUEST', 'TICKET', 'ACTOR', 'DATA']]);
  });
});
