import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isMeshError } from '@mesh/daemonapi';
import { encodeTrustFile, readTrustFile, writeFileAtomic } from '../src/store/trust-file.js';
import { emptyTrustState } from '../src/store/trust-state.js';
import { ReplaySet, SourceLimiter, sanitizeJustification } from '../src/util/replay-set.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'mesh-trust-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const T0 = Date.parse('2026-01-02T03:04:05Z');

describe('trust.json', () => {
  it('round-trips the documented shape, written 0600 and atomically', () => {
    const file = path.join(dir, 'sub', 'trust.json');
    const state = emptyTrustState();
    state.trusted.set(7, {
      nodeId: 7,
      publicKey: 'a2V5',
      approvedAt: T0,
      mutual: true,
      network: 3,
    });
    state.trusted.set(8, { nodeId: 8, publicKey: '', approvedAt: T0, mutual: false, network: 0 });
    state.pending.set(9, {
      nodeId: 9,
      publicKey: '',
      justification: 'hi',
      receivedAt: T0,
      source: 9,
    });
    state.revoked.set(4, T0 + 60_000);
    state.revoked.set(5, T0 - 1);
    state.outgoing.set(11, T0);
    writeFileAtomic(file, encodeTrustFile(state, T0));
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual({
      trusted: [
        {
          node_id: 7,
          public_key: 'a2V5',
          approved_at: '2026-01-02T03:04:05Z',
          mutual: true,
          network: 3,
        },
        { node_id: 8, public_key: '', approved_at: '2026-01-02T03:04:05Z', mutual: false },
      ],
      pending: [
        { node_id: 9, justification: 'hi', received_at: '2026-01-02T03:04:05Z', source: 9 },
      ],
      revoked: [{ node_id: 4, until: '2026-01-02T03:05:05Z' }],
      outgoing: [{ node_id: 11, sent_at: '2026-01-02T03:04:05Z' }],
    });
    const back = readTrustFile(file, T0);
    expect([...back.trusted.values()]).toEqual([...state.trusted.values()]);
    expect([...back.pending.values()]).toEqual([...state.pending.values()]);
    expect([...back.revoked.entries()]).toEqual([[4, T0 + 60_000]]);
    expect([...back.outgoing.entries()]).toEqual([[11, T0]]);
  });

  it('reads a file a Go node wrote (no pending, no outgoing)', () => {
    const file = path.join(dir, 'trust.json');
    writeFileSync(
      file,
      '{\n  "trusted": [\n    {\n      "node_id": 12,\n      "public_key": "x",\n      "approved_at": "2025-05-06T07:08:09+02:00",\n      "mutual": false\n    }\n  ]\n}',
    );
    const s = readTrustFile(file, T0);
    expect(s.trusted.get(12)).toEqual({
      nodeId: 12,
      publicKey: 'x',
      approvedAt: Date.parse('2025-05-06T05:08:09Z'),
      mutual: false,
      network: 0,
    });
  });

  it('a missing file is an empty store', () => {
    expect(readTrustFile(path.join(dir, 'none.json'), T0).trusted.size).toBe(0);
  });

  it('a corrupt file is a typed error naming the file, and the file is left as it was', () => {
    const file = path.join(dir, 'trust.json');
    for (const text of [
      '{"trusted": [',
      '[]',
      '{"trusted": [{"node_id": "7", "approved_at": "2026-01-02T03:04:05Z"}]}',
      '{"trusted": [{"node_id": 7, "approved_at": "yesterday"}]}',
      '{"pending": {"node_id": 1}}',
    ]) {
      writeFileSync(file, text);
      let caught: unknown;
      try {
        readTrustFile(file, T0);
      } catch (error) {
        caught = error;
      }
      expect(isMeshError(caught), text).toBe(true);
      expect(caught).toMatchObject({ code: 'TRUST_STORE_CORRUPT', retryable: false });
      expect((caught as Error).message).toContain(file);
      expect(readFileSync(file, 'utf8')).toBe(text);
    }
  });
});

describe('bounded replay set and per-source limiter', () => {
  it('refuses a repeat and stays bounded; expired hashes make room', () => {
    const r = new ReplaySet(3, 1000);
    expect(r.admit('a', 0)).toBe('fresh');
    expect(r.admit('a', 10)).toBe('replay');
    expect(r.admit('b', 20)).toBe('fresh');
    expect(r.admit('c', 30)).toBe('fresh');
    expect(r.admit('d', 40)).toBe('full');
    expect(r.size).toBe(3);
    expect(r.admit('d', 1015)).toBe('fresh');
    expect(r.size).toBe(3);
  });

  it('lets a burst through per source, then one per refill period', () => {
    const l = new SourceLimiter(3, 1000, 2);
    expect([1, 2, 3, 4].map(() => l.take(7, 0))).toEqual([true, true, true, false]);
    expect(l.take(8, 0)).toBe(true);
    expect(l.take(7, 999)).toBe(false);
    expect(l.take(7, 2000)).toBe(true);
  });

  it('sanitises justifications like Go (printable only, 1024 bytes)', () => {
    expect(sanitizeJustification('hi\u0000\u001b[31m there\n')).toBe('hi[31m there');
    expect(Buffer.byteLength(sanitizeJustification('é'.repeat(1000)))).toBe(1024);
  });
});
