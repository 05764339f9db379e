import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: { name: 'mesh-plugin-hello', include: ['test/**/*.test.ts'] },
});
