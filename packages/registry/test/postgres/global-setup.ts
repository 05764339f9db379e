import type { TestProject } from 'vitest/node';
import { startCluster, stopCluster } from './cluster.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** The registry tests' throwaway PostgreSQL cluster. */
    pgCluster: { url: string; dataDir: string; port: number };
  }
}

/** Starts one PostgreSQL cluster for the whole registry test run. */
export default async function setup(project: TestProject): Promise<() => void> {
  const cluster = await startCluster();
  project.provide('pgCluster', { url: cluster.url, dataDir: cluster.dataDir, port: cluster.port });
  return () => stopCluster(cluster);
}
