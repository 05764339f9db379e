import { assert, describe, it } from 'vitest';
import { complianceChecks } from './checks.js';
import type { PluginComplianceOptions } from './options.js';

/**
 * Registers the plugin compliance suite with vitest: one `it` per check, each on fresh
 * in-memory daemons. A plugin package's whole compliance test:
 *
 * ```ts
 * import { describePluginCompliance } from '@mesh/plugin-testkit';
 * import { createEchoPlugin } from '../src/index.js';
 *
 * describePluginCompliance({ name: 'echo', factory: () => createEchoPlugin() });
 * ```
 */
export function describePluginCompliance(options: PluginComplianceOptions): void {
  describe(`plugin compliance: ${options.name}`, () => {
    for (const check of complianceChecks) {
      const test = options.skip?.includes(check.id) === true ? it.skip : it;
      test(check.title, async () => {
        const failures = await check.run(options);
        // One readable line per failure, rather than a truncated array diff.
        if (failures.length > 0) {
          assert.fail(
            `plugin "${options.name}" failed "${check.title}":\n  - ${failures.join('\n  - ')}`,
          );
        }
      });
    }
  });
}
