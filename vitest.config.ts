import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/support/global-setup.ts'],
    // End-to-end tests start real processes (D-Bus, gnome-keyring, shells): generous but bounded.
    testTimeout: 30_000,
    hookTimeout: 30_000,
    pool: 'forks',
    allowOnly: false,
  },
});
