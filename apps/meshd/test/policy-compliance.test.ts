// The shared plugin compliance suite for @mesh/plugin-policy. It lives here because a plugin
// package may not depend on a public @mesh package other than the contract (boundary rule 3),
// and @mesh/plugin-testkit is public.
import { PolicyPlugin } from '@mesh/plugin-policy';
import { describePluginCompliance } from '@mesh/plugin-testkit';

describePluginCompliance({ name: 'policy', factory: () => new PolicyPlugin() });
