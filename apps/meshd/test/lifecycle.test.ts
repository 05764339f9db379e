import { spawn } from 'node:child_process';
import {
  appendFileSync,
  existsSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  statSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ConnectionEventLog } from '../src/lifecycle/event-log.js';
import {
  AlreadyRunningError,
  acquirePidFile,
  isAlive,
  readPidFile,
} from '../src/lifecycle/pid-file.js';
import { WakeDetector } from '../src/lifecycle/wake-detector.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'meshd-life-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** A pid that is certainly dead: a child that has exited. */
async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', '']);
  await new Promise((r) => child.once('exit', r));
  return child.pid!;
}

describe('pid file', () => {
  it('is claimed with our pid and removed on release', async () => {
    const file = path.join(dir, 'meshd.pid');
    const claim = await acquirePidFile(file);
    expect(await readPidFile(file)).toBe(process.pid);
    await claim.release();
    expect(existsSync(file)).toBe(false);
    await claim.release();
  });

  it('is written mode 0600, leaving no temp file behind', async () => {
    const file = path.join(dir, 'meshd.pid');
    const claim = await acquirePidFile(file);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(readFileSync(file, 'utf8')).toBe(`${process.pid}\n`);
    expect(readdirSync(dir)).toEqual(['meshd.pid']);
    await claim.release();
  });

  it('refuses while a live process owns it', async () => {
    const file = path.join(dir, 'meshd.pid');
    const child = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)']);
    try {
      writeFileSync(file, `${child.pid}\n`);
      const err = await acquirePidFile(file).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(AlreadyRunningError);
      expect(err).toMatchObject({ code: 'already_exists', pid: child.pid });
      expect(await readPidFile(file)).toBe(child.pid);
    } finally {
      child.kill('SIGKILL');
    }
  });

  it('reclaims the file of a dead process (kill -9 leftovers) and garbage', async () => {
    const file = path.join(dir, 'meshd.pid');
    const pid = await deadPid();
    expect(isAlive(pid)).toBe(false);
    writeFileSync(file, `${pid}\n`);
    const claim = await acquirePidFile(file);
    expect(await readPidFile(file)).toBe(process.pid);
    await claim.release();
    writeFileSync(file, 'not a pid');
    await (await acquirePidFile(file)).release();
  });

  it('does not remove a file another process claimed after us', async () => {
    const file = path.join(dir, 'meshd.pid');
    const claim = await acquirePidFile(file);
    writeFileSync(file, '12345\n');
    await claim.release();
    expect(readFileSync(file, 'utf8')).toBe('12345\n');
  });
});

describe('connection event log', () => {
  it('keeps the newest events in a fixed ring and persists every one as JSONL', () => {
    let t = Date.parse('2026-01-01T00:00:00Z');
    const file = path.join(dir, 'events.jsonl');
    const log = new ConnectionEventLog({ file, capacity: 3, now: () => (t += 1000) });
    log.append('connect', 'registry');
    log.append('disconnect', 'registry', 'EPIPE');
    log.append('reconnect', 'registry');
    log.append('closed', 'beacon', 'stopping');
    expect(log.snapshot().map((e) => e.type)).toEqual(['disconnect', 'reconnect', 'closed']);
    expect(log.snapshot()[0]).toEqual({
      v: 1,
      type: 'disconnect',
      at: '2026-01-01T00:00:02.000Z',
      link: 'registry',
      reason: 'EPIPE',
    });
    expect(log.onDiskCount()).toBe(4);
    expect(log.snapshot(Date.parse('2026-01-01T00:00:03Z')).map((e) => e.type)).toEqual([
      'reconnect',
      'closed',
    ]);
  });

  it('reseeds the ring from disk after a restart, skipping a torn line', () => {
    const file = path.join(dir, 'events.jsonl');
    const first = new ConnectionEventLog({ file });
    first.append('daemon_start', 'daemon');
    first.append('connect', 'registry');
    appendFileSync(file, '{"v":1,"type":"disc'); // crash mid-write
    const second = new ConnectionEventLog({ file });
    expect(second.load()).toBe(2);
    second.append('daemon_start', 'daemon');
    expect(second.snapshot().map((e) => e.type)).toEqual([
      'daemon_start',
      'connect',
      'daemon_start',
    ]);
  });

  it('rotates by size and keeps a bounded number of generations, oldest first on reload', () => {
    const file = path.join(dir, 'events.jsonl');
    const log = new ConnectionEventLog({ file, maxBytes: 200, generations: 2, capacity: 1000 });
    for (let i = 0; i < 40; i++) log.append('disconnect', 'registry', `r${i}`);
    expect(existsSync(`${file}.1`)).toBe(true);
    expect(existsSync(`${file}.2`)).toBe(true);
    expect(existsSync(`${file}.3`)).toBe(false);
    const reloaded = new ConnectionEventLog({ file, generations: 2 });
    reloaded.load();
    const reasons = reloaded.snapshot().map((e) => Number(e.reason!.slice(1)));
    expect(reasons.at(-1)).toBe(39);
    expect(reasons).toEqual([...reasons].sort((a, b) => a - b));
    expect(reasons.length).toBeLessThan(40);
    expect(reloaded.onDiskCount()).toBe(reasons.length);
  });
});

describe('wake detector', () => {
  it('fires on a wall-clock jump and never on a steady cadence', () => {
    let now = 0;
    const gaps: number[] = [];
    const w = new WakeDetector({
      intervalMs: 30_000,
      toleranceMs: 60_000,
      now: () => now,
      onWake: (g) => gaps.push(g),
    });
    for (let i = 0; i < 10; i++) {
      now += 30_000 + (i % 3) * 1000; // timer jitter
      expect(w.tick()).toBe(false);
    }
    now += 30_000 + 2 * 3_600_000; // slept two hours
    expect(w.tick()).toBe(true);
    now += 30_000;
    expect(w.tick()).toBe(false);
    expect(gaps).toEqual([30_000 + 2 * 3_600_000]);
  });
});
