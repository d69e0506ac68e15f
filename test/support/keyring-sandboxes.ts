// The set-up most end-to-end files share: one private Secret Service per file, and a fresh jit
// sandbox per test that reaches it. Both are torn down by the hooks this registers.
import { afterAll, afterEach, beforeAll } from 'vitest';
import { sandbox, type Sandbox } from './jit.js';
import { startSecretService, type SecretService } from './secret-service.js';

export interface KeyringSandboxes {
  keyring(): SecretService;
  /** A new sandbox whose jit reaches this file's Secret Service; removed after the test. */
  box(extraEnv?: Record<string, string>): Sandbox;
}

export function useKeyringSandboxes(): KeyringSandboxes {
  let keyring: SecretService | undefined;
  const boxes: Sandbox[] = [];
  beforeAll(async () => {
    keyring = await startSecretService();
  });
  afterAll(async () => keyring?.stop());
  afterEach(() => boxes.splice(0).forEach((box) => box.remove()));
  return {
    keyring: () => keyring!,
    box: (extraEnv = {}) => {
      const box = sandbox({ ...keyring!.env, ...extraEnv });
      boxes.push(box);
      return box;
    },
  };
}
