import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { STATE_FILE, loadWebhookState, saveWebhookState } from '../src/state/webhook-state.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'webhook-state-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('webhook state file', () => {
  it('round-trips with mode 0600 and no temp files left behind', async () => {
    const sub = path.join(dir, 'plugins', 'webhook');
    expect(await loadWebhookState(sub)).toEqual({ url: '', topics: [], secret: '' });
    await saveWebhookState(sub, { url: 'http://127.0.0.1:1/h', topics: ['a.b'], secret: 'k' });
    expect(await loadWebhookState(sub)).toEqual({
      url: 'http://127.0.0.1:1/h',
      topics: ['a.b'],
      secret: 'k',
    });
    expect(statSync(path.join(sub, STATE_FILE)).mode & 0o777).toBe(0o600);
    expect(statSync(sub).mode & 0o777).toBe(0o700);
    expect(readFileSync(path.join(sub, STATE_FILE), 'utf8')).toContain('"a.b"');
  });

  it('reports a corrupt file with a typed error', async () => {
    writeFileSync(path.join(dir, STATE_FILE), '{nope');
    await expect(loadWebhookState(dir)).rejects.toMatchObject({ code: 'WEBHOOK_STATE_INVALID' });
    writeFileSync(path.join(dir, STATE_FILE), '{"url": 5}');
    await expect(loadWebhookState(dir)).rejects.toMatchObject({ code: 'WEBHOOK_STATE_INVALID' });
  });
});
