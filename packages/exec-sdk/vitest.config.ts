import { defineMeshProject } from '@mesh/tooling/vitest';

export default defineMeshProject(import.meta.url);
