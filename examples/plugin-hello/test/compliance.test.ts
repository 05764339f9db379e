import { describePluginCompliance } from '@mesh/plugin-testkit';
import { HelloPlugin } from '../src/index.js';

describePluginCompliance({
  name: 'hello',
  factory: () => new HelloPlugin(),
  expectRegistered: true,
});
