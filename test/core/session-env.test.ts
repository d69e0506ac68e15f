import { describe, expect, it } from 'vitest';
import { ExitCode, JitError } from '../../src/core/errors.js';
import { promptSegment } from '../../src/core/prompt-segment.js';
import { buildSessionEnv, currentSession, validateCredentialName } from '../../src/core/session-env.js';

const GRANT = 'g_0123456789abcdefghijklmnop';
const session = { grantId: 'g_1', role: 'demo', ticket: 'OPS-1', expiresAtSeconds: 1_900_000_000, backend: 'embedded', breakGlass: false };

describe('the injected environment (DESIGN.md contract)', () => {
  it('sets the session markers and the credential', () => {
    const env = buildSessionEnv({ PATH: '/bin', HOME: '/h' }, session, { JIT_TOKEN: 'tok' });
    expect(env).toEqual({
      PATH: '/bin', HOME: '/h', JIT_SESSION: 'g_1', JIT_ROLE: 'demo', JIT_TICKET: 'OPS-1',
      JIT_EXPIRES_AT: '1900000000', JIT_BACKEND: 'embedded', JIT_TOKEN: 'tok',
    });
  });

  it('scrubs every inherited JIT_* variable and every name the issuer sets', () => {
    const env = buildSessionEnv(
      { JIT_TOKEN: 'stale', JIT_BREAKGLASS: '1', JIT_ANYTHING: 'x', PGPASSWORD: 'outer', KEEP: 'me' },
      session,
      { PGPASSWORD: 'inner' },
    );
    expect(env.JIT_TOKEN).toBeUndefined();
    expect(env.JIT_BREAKGLASS).toBeUndefined();
    expect(env.JIT_ANYTHING).toBeUndefined();
    expect(env.PGPASSWORD).toBe('inner');
    expect(env.KEEP).toBe('me');
  });

  it('withholds the variables an embedded issuer reads its admin secret from', () => {
    const env = buildSessionEnv({ ORDERS_ADMIN_DSN: 'postgres://admin:pw@db/orders', KEEP: 'me' }, session, { PGPASSWORD: 'p' }, ['ORDERS_ADMIN_DSN']);
    expect(env.ORDERS_ADMIN_DSN).toBeUndefined();
    expect(env.KEEP).toBe('me');
  });

  it('marks break-glass sessions', () => {
    expect(buildSessionEnv({}, { ...session, breakGlass: true }, {}).JIT_BREAKGLASS).toBe('1');
  });

  it.each(['PATH', 'LD_PRELOAD', 'DYLD_INSERT_LIBRARIES', 'BASH_ENV', 'JIT_SESSION', 'lower', 'A-B', 'NODE_OPTIONS'])(
    'refuses to let an issuer set %s',
    (name) => {
      expect(() => validateCredentialName(name)).toThrow(JitError);
      try {
        validateCredentialName(name);
      } catch (error) {
        expect((error as JitError).exitCode).toBe(ExitCode.internal);
      }
    },
  );

  it('reads the current session from the environment alone', () => {
    expect(currentSession({})).toBeUndefined();
    expect(currentSession({ JIT_SESSION: GRANT, JIT_EXPIRES_AT: 'soon' })).toBeUndefined();
    expect(currentSession({ JIT_SESSION: GRANT, JIT_ROLE: 'demo', JIT_TICKET: 'OPS-1', JIT_EXPIRES_AT: '100' })).toEqual({
      grantId: GRANT, role: 'demo', ticket: 'OPS-1', expiresAt: 100,
    });
  });

  it.each(['1e30', '0x10', '', '0099', '0', '-5', '+5', ' 100', '100 ', '1.5', '1234567890123', 'Infinity', '１００'])(
    'treats JIT_EXPIRES_AT=%j as no session (only 1 to 12 digits, no leading zero)',
    (value) => expect(currentSession({ JIT_SESSION: GRANT, JIT_EXPIRES_AT: value })).toBeUndefined(),
  );

  it.each(['g_1', '', 'g_0123456789ABCDEFGHIJKLMNOP', `${GRANT}\x1b[2J`, ` ${GRANT}`])('treats JIT_SESSION=%j as no session (not a grant id)', (value) => {
    expect(currentSession({ JIT_SESSION: value, JIT_EXPIRES_AT: '100' })).toBeUndefined();
  });

  it('keeps only the plain characters of role and ticket, as the shell prompt segments do', () => {
    const session = currentSession({
      JIT_SESSION: GRANT,
      JIT_EXPIRES_AT: '100',
      JIT_ROLE: 'ad\x1b]0;owned\x07min\u202e é',
      JIT_TICKET: 'OPS-1\x1b[2J \u009b31m',
    });
    // Role: [a-zA-Z0-9_.-] as completions/prompt.*; ticket: printable ASCII without space ([!-~]).
    expect(session).toMatchObject({ role: 'ad??0?owned?min???', ticket: 'OPS-1?[2J??31m' });
  });
});

describe('prompt segment', () => {
  const env = { JIT_SESSION: GRANT, JIT_ROLE: 'prod-db-admin', JIT_EXPIRES_AT: '10000' };
  it.each([
    [10000 - 25 * 60, 'prod-db-admin 25m'],
    [10000 - 45, 'prod-db-admin 45s'],
    [10000, 'prod-db-admin expired'],
    [10100, 'prod-db-admin expired'],
  ])('at %i shows %j', (now, text) => expect(promptSegment(env, now)).toBe(text));

  it('is empty outside a session', () => expect(promptSegment({}, 0)).toBe(''));

  it('says BREAK-GLASS in a break-glass session', () => expect(promptSegment({ ...env, JIT_BREAKGLASS: '1' }, 10000 - 25 * 60)).toBe('BREAK-GLASS prod-db-admin 25m'));

  it('never carries a terminal escape from JIT_ROLE', () => {
    expect(promptSegment({ ...env, JIT_ROLE: '\x1b[31mred\x1b[0m' }, 10000 - 120)).toBe('??31mred??0m 2m');
  });

  it('is empty for an absurd JIT_EXPIRES_AT', () => expect(promptSegment({ ...env, JIT_EXPIRES_AT: '1e30' }, 0)).toBe(''));
});
