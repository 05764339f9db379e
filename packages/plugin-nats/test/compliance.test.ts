// The shared plugin compliance suite (@mesh/plugin-testkit) on the in-memory daemon, with a real
// data directory so state files are read and written during the checks.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll } from 'vitest';
import { describePluginCompliance } from '@mesh/plugin-testkit';
import { createNatsPlugin } from '../src/index.js';

const root = mkdtempSync(path.join(tmpdir(), 'mesh-nats-compliance-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

describePluginCompliance({
  name: 'nats',
  factory: () => createNatsPlugin(),
  expectRegistered: true,
  daemonOptions: { dataDir: (plugin) => mkdtempSync(path.join(root, `${plugin}-`)) },
});
