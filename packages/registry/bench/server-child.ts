// Child process of bench/registry.ts: loads the store into a registry server and reports the
// load time and its own RSS, so client load and server load do not share one thread.
import { performance } from 'node:perf_hooks';
import { RegistryServer } from '@mesh/registry';

const storePath = process.argv[2];
const rssBefore = process.memoryUsage().rss;
const start = performance.now();
const server = new RegistryServer({ port: 0, storePath });
const { port } = await server.listen();
const restartMs = performance.now() - start;
global.gc?.();
process.send!({ port, restartMs, rssBefore, rssAfter: process.memoryUsage().rss });
process.on('message', () => {
  void server.close().then(() => process.exit(0));
});
