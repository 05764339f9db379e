// The suite as a plugin package runs it: about ten lines per plugin.
import { describePluginCompliance } from '../src/index.js';
import { CounterPlugin } from './plugins/counter.js';
import { createEchoPlugin } from './plugins/echo.js';

describePluginCompliance({ name: 'echo', factory: () => createEchoPlugin() });

// A short publish interval, so the plugin's timer really runs during the checks.
describePluginCompliance({
  name: 'counter',
  factory: () => new CounterPlugin({ publishEveryMs: 5 }),
});
