// The suite as a plugin package runs it: about ten lines per plugin. Importing the plugin
// modules registered them, so the suite also checks the registration.
import { describePluginCompliance } from '../src/index.js';
import { CounterPlugin } from './plugins/counter.js';
import { createEchoPlugin } from './plugins/echo.js';

describePluginCompliance({
  name: 'echo',
  factory: () => createEchoPlugin(),
  expectRegistered: true,
});

// A short publish interval, so the plugin's timer really runs during the checks.
describePluginCompliance({
  name: 'counter',
  factory: () => new CounterPlugin({ publishEveryMs: 5 }),
  expectRegistered: true,
});
