import { defineMeshProject } from './vitest.preset.js';

export default defineMeshProject(import.meta.url, { test: { testTimeout: 240_000 } });
