// The end-to-end tests run the built binary: refuse to run them against a missing or stale build.
import { existsSync, statSync } from 'node:fs';
import { execFileSync } from 'node:child_process';

export default function setup(): void {
  const bundle = new URL('../../dist/main.js', import.meta.url);
  const newestSource = Number(execFileSync('sh', ['-c', 'find src -name "*.ts" -printf "%T@\\n" | sort -n | tail -1'], { encoding: 'utf8' }).trim()) * 1000;
  if (!existsSync(bundle) || statSync(bundle).mtimeMs < newestSource) {
    throw new Error('dist/ is missing or older than src/: run `npm run build` (npm test does it for you)');
  }
}
