import { defineMeshProject } from '@mesh/tooling/vitest';

// One throwaway PostgreSQL cluster per run, shared by the PostgreSQL store tests.
export default defineMeshProject(import.meta.url, {
  test: { globalSetup: ['./test/postgres/global-setup.ts'] },
});
