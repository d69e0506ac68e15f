// Bounded polling for things other processes do.
import { existsSync, readFileSync } from 'node:fs';

export async function until<T>(what: string, probe: () => T | undefined | false | Promise<T | undefined | false>, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const value = await probe();
    if (value) return value;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
}

export function readPid(path: string): Promise<number> {
  return until(`a pid in ${path}`, () => existsSync(path) && Number(readFileSync(path, 'utf8').trim()) > 0 && Number(readFileSync(path, 'utf8').trim()));
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
