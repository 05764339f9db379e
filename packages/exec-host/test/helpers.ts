// Test helpers: the fixture plugin as an executable file in a temp dir.
import { chmodSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
/** The fixture plugin script. */
export const ECHO_FIXTURE = path.join(here, 'fixtures', 'echo-plugin.mjs');
const SDK_DIST = path.resolve(here, '../../exec-sdk/dist/index.js');

/** Fails clearly when the SDK is not built (the fixture runs it from dist, as users do). */
export function assertSdkBuilt(): void {
  if (!existsSync(SDK_DIST))
    throw new Error(`${SDK_DIST} is missing: build first (npx -y pnpm@10.34.8 run build)`);
}

/** A temp dir with an executable wrapper that runs the fixture in `mode`. */
export function fixtureExecutable(mode = 'normal'): { path: string; dir: string; cleanup(): void } {
  const dir = mkdtempSync(path.join(tmpdir(), 'mesh-plugin-test-'));
  const file = path.join(dir, `echo-${mode}`);
  writeFileSync(
    file,
    `#!/bin/sh\nFIXTURE_MODE=${mode} exec "${process.execPath}" "${ECHO_FIXTURE}" "$@"\n`,
  );
  chmodSync(file, 0o755);
  return { path: file, dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}
