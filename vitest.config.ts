import { defineConfig } from 'vitest/config';

// One vitest project per workspace package; each package's own vitest.config.ts
// comes from the shared preset in tooling/, so `vitest run` here runs them all.
export default defineConfig({
  test: {
    projects: [
      'packages/*/vitest.config.ts',
      'apps/*/vitest.config.ts',
      'tooling/vitest.config.ts',
      'examples/plugin-hello/vitest.config.ts',
    ],
  },
});
