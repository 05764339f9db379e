import { generateKeyPairSync, sign } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isMeshError } from '@mesh/daemonapi';
import { goCompact } from '../src/list/go-compact.js';
import { rawMember } from '../src/list/raw-member.js';
import { decodeSignerKey, signedPayload, verifySignedList } from '../src/list/signed-list.js';
import { readListSource, validateSource } from '../src/source/list-source.js';

const signer = generateKeyPairSync('ed25519');
const signerB64 = Buffer.from(
  signer.publicKey.export({ format: 'jwk' }).x as string,
  'base64url',
).toString('base64');
const other = generateKeyPairSync('ed25519');

/** A list document signed like the existing network's signer does. */
function signedList(agentsJson: string, key = signer.privateKey): string {
  const sig = sign(null, signedPayload(agentsJson), key).toString('base64');
  return `{\n  "agents": ${agentsJson},\n  "signature": "${sig}"\n}`;
}

const AGENTS = `[
    {"hostname": "weather", "address": "0:0000.0000.002A", "node_id": 42, "tier": "free"},
    {"name": "clock <utc>", "node_id": 43},
    {"hostname": "zero", "node_id": 0},
    {"hostname": "", "node_id": 44},
    {"hostname": "dup1", "node_id": 45},
    {"hostname": "dup2", "node_id": 45}
  ]`;

function expectCode(fn: () => unknown, code: string): void {
  let caught: unknown;
  try {
    fn();
  } catch (error) {
    caught = error;
  }
  expect(isMeshError(caught)).toBe(true);
  expect(caught).toMatchObject({ code });
}

describe('signed trusted-agents list (reference §E.2)', () => {
  it('the signed payload is {"agents":<compacted value>} with Go escaping (golden)', () => {
    expect(
      new TextDecoder().decode(signedPayload('[ {"hostname": "a<b>&c", "node_id": 1} ]')),
    ).toBe('{"agents":[{"hostname":"a\\u003cb\\u003e\\u0026c","node_id":1}]}');
    expect(goCompact('{ "s": "keep  spaces\\" inside" }')).toBe('{"s":"keep  spaces\\" inside"}');
    expect(rawMember('{"a":1, "agents" : [1, {"x":"]"}] ,"agents":[2]}', 'agents')).toBe('[2]');
  });

  it('loads a list signed by the configured key; skips id 0, nameless and duplicate entries', () => {
    const list = verifySignedList(Buffer.from(signedList(AGENTS)), decodeSignerKey(signerB64));
    expect(list.agents).toEqual([
      { name: 'weather', nodeId: 42, address: '0:0000.0000.002A', publicKey: '' },
      { name: 'clock <utc>', nodeId: 43, address: '', publicKey: '' },
    ]);
    expect(list.skipped).toEqual([
      'agents[2]: node_id 0',
      'agents[3]: no name',
      'duplicate node_id 45',
    ]);
  });

  it('refuses a bad signature, an unsigned list, malformed JSON and an oversized list', () => {
    const key = decodeSignerKey(signerB64);
    expectCode(
      () => verifySignedList(Buffer.from(signedList(AGENTS, other.privateKey)), key),
      'LIST_BAD_SIGNATURE',
    );
    const tampered = signedList(AGENTS).replace('"node_id": 43', '"node_id": 99');
    expectCode(() => verifySignedList(Buffer.from(tampered), key), 'LIST_BAD_SIGNATURE');
    expectCode(() => verifySignedList(Buffer.from(`{"agents": ${AGENTS}}`), key), 'LIST_UNSIGNED');
    expectCode(() => verifySignedList(Buffer.from('{"agents": [}'), key), 'LIST_MALFORMED');
    expectCode(
      () => verifySignedList(Buffer.from('{"agents": 3, "signature": "x"}'), key),
      'LIST_MALFORMED',
    );
    expectCode(() => verifySignedList(Buffer.from(signedList(AGENTS)), key, 100), 'LIST_TOO_LARGE');
  });

  it('signer keys are base64 or hex, 32 bytes', () => {
    const raw = decodeSignerKey(signerB64);
    expect(decodeSignerKey(Buffer.from(raw).toString('hex'))).toEqual(raw);
    expectCode(() => decodeSignerKey('c2hvcnQ='), 'CONFIG_INVALID');
  });
});

describe('list sources', () => {
  let dir: string;
  let server: Server | undefined;
  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'mesh-agents-'));
  });
  afterEach(async () => {
    rmSync(dir, { recursive: true, force: true });
    if (server !== undefined) {
      server.closeAllConnections();
      await new Promise((r) => server!.close(r));
      server = undefined;
    }
  });

  async function serve(handler: Parameters<typeof createServer>[1]): Promise<string> {
    server = createServer(handler);
    await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r));
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}/agents.json`;
  }

  it('reads a file, capped', async () => {
    const file = path.join(dir, 'agents.json');
    writeFileSync(file, signedList(AGENTS));
    const bytes = await readListSource(file, { maxBytes: 1 << 20, timeoutMs: 1000 });
    expect(verifySignedList(bytes, decodeSignerKey(signerB64)).agents).toHaveLength(2);
    await expect(readListSource(file, { maxBytes: 10, timeoutMs: 1000 })).rejects.toMatchObject({
      code: 'LIST_TOO_LARGE',
    });
    await expect(
      readListSource(path.join(dir, 'none'), { maxBytes: 10, timeoutMs: 1000 }),
    ).rejects.toMatchObject({ code: 'LIST_FETCH_FAILED' });
  });

  it('fetches over HTTP with a user agent, a size cap (also without content-length) and a timeout', async () => {
    const seen: string[] = [];
    const url = await serve((req, res) => {
      seen.push(String(req.headers['user-agent']));
      if (req.url === '/big') {
        res.writeHead(200); // chunked: no content-length
        res.write('x'.repeat(600));
        res.end('y'.repeat(600));
      } else if (req.url === '/slow') {
        // never answers
      } else if (req.url === '/gone') {
        res.writeHead(404).end();
      } else res.end(signedList(AGENTS));
    });
    const bytes = await readListSource(url, { maxBytes: 1 << 20, timeoutMs: 2000 });
    expect(verifySignedList(bytes, decodeSignerKey(signerB64)).agents).toHaveLength(2);
    expect(seen[0]).toBe('mesh-daemon/trustedagents');
    const base = url.replace('/agents.json', '');
    await expect(
      readListSource(`${base}/big`, { maxBytes: 1000, timeoutMs: 2000 }),
    ).rejects.toMatchObject({ code: 'LIST_TOO_LARGE' });
    await expect(
      readListSource(`${base}/slow`, { maxBytes: 1000, timeoutMs: 200 }),
    ).rejects.toMatchObject({ code: 'LIST_TIMEOUT' });
    await expect(
      readListSource(`${base}/gone`, { maxBytes: 1000, timeoutMs: 2000 }),
    ).rejects.toMatchObject({ code: 'LIST_FETCH_FAILED' });
  });

  it('plain http only to loopback', () => {
    expect(() => validateSource('http://127.0.0.1:9/x')).not.toThrow();
    expect(() => validateSource('https://example.org/x')).not.toThrow();
    expect(() => validateSource('http://example.org/x')).toThrow(/https/);
  });
});
