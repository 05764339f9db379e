import type { TestProject } from 'vitest/node';
import { startCluster, stopCluster } from './cluster.js';
import type { TestCluster } from './cluster.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** The registry tests' throwaway PostgreSQL cluster. */
    pgCluster: { url: string; dataDir: string; port: number };
  }
}

let cluster: TestCluster | undefined;

/** Starts one PostgreSQL cluster for the whole registry test run. */
export async function setup(project: TestProject): Promise<void> {
  cluster = await startCluster();
  project.provide('pgCluster', { url: cluster.url, dataDir: cluster.dataDir, port: cluster.port });
}

/** Stops it and removes its directory. */
export function teardown(): void {
  if (cluster) stopCluster(cluster);
}
