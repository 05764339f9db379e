/**
 * describePluginCompliance as vitest sees it: a child vitest process runs the suite on the
 * echo plugin and on the broken plugin, and its JSON report must show every echo check passing
 * and every broken check failing.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, expect, it } from 'vitest';
import { complianceChecks } from '../src/index.js';

const fixtureDir = fileURLToPath(new URL('./fixtures/suite/', import.meta.url));
const vitestCli = path.join(
  path.dirname(createRequire(import.meta.url).resolve('vitest/package.json')),
  'vitest.mjs',
);
const outDir = mkdtempSync(path.join(tmpdir(), 'testkit-suite-'));
afterAll(() => rmSync(outDir, { recursive: true, force: true }));

interface JsonReport {
  testResults: {
    assertionResults: {
      ancestorTitles: string[];
      title: string;
      status: string;
      failureMessages: string[];
    }[];
  }[];
}

it('reports the broken plugin as failing every check, and the echo plugin as passing', async () => {
  const outputFile = path.join(outDir, 'report.json');
  // The child must not think it is a worker of this run.
  const env = Object.fromEntries(
    Object.entries(process.env).filter(([key]) => !key.startsWith('VITEST')),
  );
  const child = spawn(
    process.execPath,
    [
      vitestCli,
      'run',
      '--config',
      'vitest.config.ts',
      '--reporter=json',
      `--outputFile=${outputFile}`,
    ],
    { cwd: fixtureDir, env: { ...env, NO_COLOR: '1' }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
  expect(code, output).toBe(1);

  const report = JSON.parse(readFileSync(outputFile, 'utf8')) as JsonReport;
  const results = report.testResults.flatMap((file) => file.assertionResults);
  const statuses = (plugin: string): Record<string, string> =>
    Object.fromEntries(
      results
        .filter((r) => r.ancestorTitles.includes(`plugin compliance: ${plugin}`))
        .map((r) => [r.title, r.status]),
    );
  const titles = complianceChecks.map((c) => c.title);
  expect(statuses('echo')).toEqual(Object.fromEntries(titles.map((t) => [t, 'passed'])));
  expect(statuses('broken')).toEqual(Object.fromEntries(titles.map((t) => [t, 'failed'])));
  const leak = results.find(
    (r) => r.ancestorTitles.includes('plugin compliance: broken') && r.title === titles[1],
  );
  expect(leak?.failureMessages.join('\n')).toContain('port(s) still bound: 9');
});
