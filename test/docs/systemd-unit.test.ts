// The systemd unit the README installs is one systemd accepts: `systemd-analyze verify` checks its
// directives and that its commands are executables (pointed here at this checkout's bin/jit.js).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const UNIT = resolve('contrib/systemd/jit-serve.service');

describe('contrib/systemd/jit-serve.service', () => {
  it('passes systemd-analyze verify', () => {
    const dir = mkdtempSync(join(tmpdir(), 'jit-unit-'));
    try {
      const unit = join(dir, 'jit-serve.service');
      writeFileSync(unit, readFileSync(UNIT, 'utf8').replaceAll('/usr/local/bin/jit', resolve('bin/jit.js')));
      // Throws (with systemd's complaint on stderr) on any warning about the unit.
      const output = execFileSync('systemd-analyze', ['verify', unit], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
      expect(output).toBe('');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('stops with SIGTERM and gives the broker longer than its own shutdown deadline', () => {
    const text = readFileSync(UNIT, 'utf8');
    expect(text).toMatch(/^KillSignal=SIGTERM$/m);
    expect(Number(/^TimeoutStopSec=(\d+)$/m.exec(text)?.[1])).toBeGreaterThan(15);
    expect(text).toMatch(/^LimitCORE=0$/m);
    expect(text).toMatch(/^StateDirectoryMode=0700$/m);
  });
});
