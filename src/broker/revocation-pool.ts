// The revocations one broker process has under way, and those waiting for a place.
import { issuerConfigOf, revocationTarget } from './issuers/registry.js';
import type { GrantRecord } from './records.js';

/**
 * Revocations under way in this process: several at once, so that one target that hangs delays no
 * other grant's revocation; at most `limit` in all and `perTarget` at one outside target (grants of the
 * same issuer settings), so that a target that hangs cannot take every place; never two for one grant. What
 * finds no place waits in line and starts as soon as one frees, not at the next sweep.
 */
export class RevocationPool {
  readonly #running = new Map<string, string>(); // grant id → its target ('' for the broker's own)
  readonly #waiting = new Map<string, { grant: GrantRecord; run: () => void }>();

  constructor(
    private readonly limit: number,
    private readonly perTarget: number,
  ) {}

  /** Queues `work` for each grant not already running or waiting; resolves each when its work is done. */
  start(grants: readonly GrantRecord[], work: (grant: GrantRecord) => Promise<GrantRecord | undefined>): Promise<GrantRecord | undefined>[] {
    const started: Promise<GrantRecord | undefined>[] = [];
    for (const grant of grants) {
      if (this.#running.has(grant.id) || this.#waiting.has(grant.id)) continue;
      started.push(
        new Promise<GrantRecord | undefined>((resolve, reject) => {
          this.#waiting.set(grant.id, {
            grant,
            run: () =>
              void work(grant)
                .then(resolve, reject)
                .finally(() => {
                  this.#running.delete(grant.id);
                  this.#pump();
                }),
          });
        }),
      );
    }
    this.#pump();
    return started;
  }

  /** Starts waiting work, oldest first, while there is room in all and at its target. */
  #pump(): void {
    const atTarget = new Map<string, number>();
    for (const target of this.#running.values()) atTarget.set(target, (atTarget.get(target) ?? 0) + 1);
    for (const [id, { grant, run }] of this.#waiting) {
      if (this.#running.size >= this.limit) return;
      const target = revocationTarget(issuerConfigOf(grant)) ?? '';
      if (target !== '' && (atTarget.get(target) ?? 0) >= this.perTarget) continue;
      atTarget.set(target, (atTarget.get(target) ?? 0) + 1);
      this.#waiting.delete(id);
      this.#running.set(id, target);
      run();
    }
  }
}
