// The embedded operator's groups come from the system's NSS, so groups from SSSD or LDAP count in
// `group:` rules, not only those in /etc/group.
import { execFileSync } from 'node:child_process';
import { userInfo } from 'node:os';
import { describe, expect, it } from 'vitest';
import { localOperator } from '../../src/platform/operator.js';

describe('localOperator', () => {
  it('has the groups NSS resolves for the user (id -Gn), the primary group included', () => {
    const expected = execFileSync('id', ['-Gn', userInfo().username], { encoding: 'utf8' }).trim().split(/\s+/);
    expect(localOperator().groups().sort()).toEqual(expected.sort());
    expect(localOperator().groups()).toContain(execFileSync('id', ['-gn'], { encoding: 'utf8' }).trim());
  });
});
