// The plugin compliance suite, run on the same plugin in process and out of process (served
// by @mesh/exec-sdk in a child process, driven through ProcessPlugin).
import { beforeAll } from 'vitest';
import { noopLogger } from '@mesh/daemonapi';
import { describePluginCompliance } from '@mesh/plugin-testkit';
import {
  MESH_PLUGIN_COOKIE,
  MESH_PROTOCOL_VERSIONS,
  ProcessPlugin,
  describePlugin,
} from '../src/index.js';
import type { PluginDescription } from '../src/index.js';
// @ts-expect-error -- a plain JS fixture, shared with the child process
import { createEchoPlugin } from './fixtures/echo.mjs';
import { assertSdkBuilt, fixtureExecutable } from './helpers.js';
import type { Plugin } from '@mesh/daemonapi';

const launch = { cookie: MESH_PLUGIN_COOKIE, versions: MESH_PROTOCOL_VERSIONS, logger: noopLogger };
const executable = fixtureExecutable();
let description: PluginDescription | undefined;

beforeAll(async () => {
  assertSdkBuilt();
  description = await describePlugin({ ...launch, path: executable.path });
  return () => executable.cleanup();
});

describePluginCompliance({ name: 'echo', factory: () => (createEchoPlugin as () => Plugin)() });

describePluginCompliance({
  name: 'echo',
  deadlineMs: 5000,
  factory: () =>
    new ProcessPlugin({
      ...launch,
      path: executable.path,
      name: 'echo',
      ...(description === undefined ? {} : { description }),
    }),
});
