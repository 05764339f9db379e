// Folder caps and the no-overwrite rule for received files, on real files in a temp dir.
import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ensureRoom, folderBytes, linkNew, NameCollision } from '../src/services/folder-limits.js';
import { writeFileAtomic } from '../src/util/atomic-file.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'mesh-folder-limits-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('folder caps', () => {
  it('counts files recursively (partial transfers included) and refuses past the cap', async () => {
    mkdirSync(path.join(dir, '.partial'));
    writeFileSync(path.join(dir, 'a.bin'), Buffer.alloc(600));
    writeFileSync(path.join(dir, '.partial', 'x.part'), Buffer.alloc(300));
    expect(await folderBytes(dir)).toBe(900);
    expect(await folderBytes(path.join(dir, 'missing'))).toBe(0);
    await ensureRoom(dir, 1000, 100, '--received-max-bytes');
    await ensureRoom(dir, 0, 1e12, '--received-max-bytes');
    await expect(ensureRoom(dir, 1000, 101, '--received-max-bytes')).rejects.toThrow(
      /is full: 900 of 1000 bytes used, 101 more refused; .* raise --received-max-bytes/,
    );
  });
});

describe('received names', () => {
  it('never overwrites an existing received file: the collision is reported', async () => {
    const target = path.join(dir, 'report-20261204-180000.000.pdf');
    writeFileSync(target, 'first');
    const source = path.join(dir, 'incoming.part');
    writeFileSync(source, 'second');
    const err = await linkNew(source, target).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NameCollision);
    expect((err as Error).message).toContain('report-20261204-180000.000.pdf already exists');
    expect(readFileSync(target, 'utf8')).toBe('first');
    expect(existsSync(source)).toBe(true); // kept, so the sender's retry resumes
    await expect(writeFileAtomic(target, 'third', { overwrite: false })).rejects.toMatchObject({
      code: 'EEXIST',
    });
    expect(readFileSync(target, 'utf8')).toBe('first');
    const fresh = path.join(dir, 'other.pdf');
    await linkNew(source, fresh);
    expect(readFileSync(fresh, 'utf8')).toBe('second');
    expect(existsSync(source)).toBe(false);
  });
});
