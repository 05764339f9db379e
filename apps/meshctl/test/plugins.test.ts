import type { PluginSummary } from '@mesh/client';
import { describe, expect, it } from 'vitest';
import { plugins } from '../src/commands/plugins.js';

// The command's formatter, typed as it is called: with the command's result.
const human = plugins.human as unknown as (data: { plugins: PluginSummary[] }) => string;

describe('meshctl plugins', () => {
  it("shows each plugin's version (from Plugin.version) beside its name and methods", () => {
    const text = human({
      plugins: [
        { name: 'greeter', version: '1.4.0', methods: ['greeter.greet'] },
        { name: 'bare', version: '', methods: [] },
      ],
    });
    expect(text).toBe('greeter 1.4.0  (greeter.greet)\nbare');
    expect(human({ plugins: [] })).toBe('no plugins loaded');
  });
});
