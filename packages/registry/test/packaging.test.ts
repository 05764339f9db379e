import { execFile } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { createJsonLogger } from '../src/index.js';

const here = path.dirname(fileURLToPath(import.meta.url));

describe('packaging', () => {
  it('the main entry loads without better-sqlite3; only opening a SQLite store fails', async () => {
    const { stdout } = await promisify(execFile)(
      process.execPath,
      [
        '--import',
        'tsx',
        '--import',
        path.join(here, 'fixtures/alias.ts'),
        path.join(here, 'fixtures/no-sqlite-child.ts'),
      ],
      { env: { ...process.env, MESH_TEST_HIDE_MODULE: 'better-sqlite3' } },
    );
    expect(JSON.parse(stdout)).toEqual({ imported: true, error: 'STORE_UNAVAILABLE' });
  });
});

describe('createJsonLogger', () => {
  it('writes one JSON object per line at or above the level, with base fields', () => {
    const lines: string[] = [];
    const log = createJsonLogger((l) => lines.push(l), {
      level: 'info',
      base: { component: 'registry' },
      now: () => 0,
    });
    log.debug('hidden');
    log.info('hello', { node_id: 3 });
    log.error('bad');
    expect(lines).toEqual([
      '{"time":"1970-01-01T00:00:00.000Z","level":"info","msg":"hello","component":"registry","node_id":3}\n',
      '{"time":"1970-01-01T00:00:00.000Z","level":"error","msg":"bad","component":"registry"}\n',
    ]);
  });
});
