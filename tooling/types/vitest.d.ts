import type { TestProjectInlineConfiguration, UserWorkspaceConfig } from 'vitest/config';

/** Aliases from each workspace package's public export names to its TypeScript sources. */
export declare function workspaceSourceAliases(): { find: RegExp; replacement: string }[];

/** Defines the vitest project of the package whose `vitest.config.ts` calls it. */
export declare function defineMeshProject(
  importMetaUrl: string,
  options?: { test?: TestProjectInlineConfiguration['test'] },
): UserWorkspaceConfig;
