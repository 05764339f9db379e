import { describe, expect, it } from 'vitest';
import type { BeaconMessage } from '../src/index.js';
import {
  BeaconType,
  PADDED_DISCOVER_SIZE,
  PADDED_PUNCH_REQUEST_SIZE,
  PROOF_CHALLENGE_SIZE,
  PROOF_REQUEST_SIZE,
  beaconRegisterChallenge,
  classifyDatagram,
  decodeBeaconMessage,
  encodeBeaconMessage,
  formatIp,
  parseIp,
} from '../src/index.js';
import { hex, toHex } from './fixtures/goldens.js';
import { codeOf } from './fixtures/error-code.js';

const vectors: ReadonlyArray<readonly [BeaconMessage, string]> = [
  [{ kind: 'discover', node: 42 }, '01 0000002a'],
  [
    { kind: 'discover-reply', endpoint: { address: '203.0.113.7', port: 40000 } },
    '02 04 cb007107 9c40',
  ],
  [
    { kind: 'discover-reply', endpoint: { address: '2001:db8::1', port: 9001 } },
    '02 10 20010db8000000000000000000000001 2329',
  ],
  [{ kind: 'punch-request', requester: 5, target: 6 }, '03 00000005 00000006'],
  [{ kind: 'punch-command', endpoint: { address: '10.0.0.1', port: 1 } }, '04 04 0a000001 0001'],
  [{ kind: 'relay', sender: 5, dest: 6, frame: hex('50494c50') }, '05 00000005 00000006 50494c50'],
  [{ kind: 'relay-deliver', sender: 5, frame: hex('50494c50') }, '06 00000005 50494c50'],
  [{ kind: 'sync', beaconId: 3, nodes: [1, 0xffffffff] }, '07 00000003 0002 00000001 ffffffff'],
  [{ kind: 'sync', beaconId: 3, nodes: [] }, '07 00000003 0000'],
  [
    { kind: 'discover', node: 42, publicKey: new Uint8Array(32).fill(0xab) },
    `01 0000002a ${'ab'.repeat(32)}`,
  ],
  [{ kind: 'proof-request', node: 42 }, `0a 0000002a ${'00'.repeat(24)}`],
  [
    { kind: 'proof-challenge', node: 42, issuedAt: 258n, cookie: new Uint8Array(16).fill(7) },
    `0b 0000002a 0000000000000102 ${'07'.repeat(16)}`,
  ],
  [
    {
      kind: 'proven-discover',
      node: 42,
      issuedAt: 258n,
      cookie: new Uint8Array(16).fill(7),
      signature: new Uint8Array(64).fill(9),
    },
    `0c 0000002a 0000000000000102 ${'07'.repeat(16)} ${'09'.repeat(64)}`,
  ],
];

describe('beacon messages', () => {
  // Titles name the kind: `%j` cannot print the bigint fields of proof messages.
  it.each(vectors.map(([m, b]) => [m.kind, b, m] as const))('%s ⇄ %s', (_kind, bytes, message) => {
    const encoded = encodeBeaconMessage(message);
    expect(toHex(encoded)).toBe(toHex(hex(bytes)));
    expect(decodeBeaconMessage(encoded)).toEqual(message);
    expect(classifyDatagram(encoded)).toBe('beacon');
  });

  it('uses the type bytes 0x01–0x07, and 0x0a–0x0c after the reference 0x08/0x09', () => {
    expect(Object.values(BeaconType)).toEqual([1, 2, 3, 4, 5, 6, 7, 0x0a, 0x0b, 0x0c]);
  });

  it('pads Discover and PunchRequest on request, and sizes proof messages to their answers', () => {
    expect(
      encodeBeaconMessage({ kind: 'discover', node: 1, padTo: PADDED_DISCOVER_SIZE }),
    ).toHaveLength(21);
    expect(
      encodeBeaconMessage({
        kind: 'punch-request',
        requester: 1,
        target: 2,
        padTo: PADDED_PUNCH_REQUEST_SIZE,
      }),
    ).toHaveLength(41);
    expect(
      decodeBeaconMessage(encodeBeaconMessage({ kind: 'discover', node: 1, padTo: 21 })),
    ).toEqual({
      kind: 'discover',
      node: 1,
    });
    expect(PROOF_REQUEST_SIZE).toBeGreaterThanOrEqual(PROOF_CHALLENGE_SIZE);
    expect(beaconRegisterChallenge(7, 12n, new Uint8Array([0, 255]))).toBe(
      'beacon_register:7:12:00ff',
    );
  });

  it('sends IPv4-mapped IPv6 endpoints as 4 bytes, like the reference', () => {
    const bytes = encodeBeaconMessage({
      kind: 'discover-reply',
      endpoint: { address: '::ffff:203.0.113.7', port: 1 },
    });
    expect(toHex(bytes)).toBe('0204cb0071070001');
  });

  it('ignores trailing bytes after fixed bodies', () => {
    expect(decodeBeaconMessage(hex('01 0000002a ffff'))).toEqual({ kind: 'discover', node: 42 });
  });

  it.each([
    ['', 'truncated'],
    ['01 000000', 'truncated'],
    ['02 04 cb0071', 'truncated'],
    ['02 05 cb00710700 0001', 'invalid-length'],
    ['03 00000005', 'truncated'],
    ['05 00000005 000000', 'truncated'],
    ['06 0000', 'truncated'],
    ['07 00000003 0002 00000001', 'truncated'],
    ['00', 'unknown-type'],
    ['08', 'unknown-type'],
    ['0b 0000002a', 'truncated'],
    ['0c 0000002a 0000000000000102', 'truncated'],
    ['50494c54', 'unknown-type'],
  ])('rejects %j with %s', (bytes, code) => {
    expect(codeOf(() => decodeBeaconMessage(hex(bytes)))).toBe(code);
  });

  it('range-checks on encode', () => {
    expect(codeOf(() => encodeBeaconMessage({ kind: 'discover', node: -1 }))).toBe('invalid-field');
    expect(
      codeOf(() =>
        encodeBeaconMessage({ kind: 'punch-command', endpoint: { address: '1.2.3', port: 1 } }),
      ),
    ).toBe('invalid-ip');
    expect(
      codeOf(() =>
        encodeBeaconMessage({
          kind: 'punch-command',
          endpoint: { address: '1.2.3.4', port: 65536 },
        }),
      ),
    ).toBe('invalid-port');
    expect(
      codeOf(() =>
        encodeBeaconMessage({ kind: 'sync', beaconId: 1, nodes: new Array<number>(65536).fill(1) }),
      ),
    ).toBe('too-large');
  });
});

describe('IP text', () => {
  it.each([
    ['0.0.0.0', '00000000'],
    ['255.255.255.255', 'ffffffff'],
    ['::', '00'.repeat(16)],
    ['::1', '00'.repeat(15) + '01'],
    ['2001:db8::1', '20010db8' + '00'.repeat(11) + '01'],
    ['2001:db8:0:1:1:1:1:1', '20010db8000000010001000100010001'],
    ['fe80::1', 'fe80' + '00'.repeat(13) + '01'],
    ['::ffff:1.2.3.4', '00'.repeat(10) + 'ffff01020304'],
    ['2001:db8::1:0:0:1', '20010db8000000000001000000000001'],
  ])('%s ⇄ %s', (text, bytes) => {
    expect(toHex(parseIp(text))).toBe(bytes);
    expect(formatIp(hex(bytes))).toBe(text);
  });

  it('accepts upper case, full forms and zones', () => {
    expect(formatIp(parseIp('2001:0DB8:0000:0000:0000:0000:0000:0001'))).toBe('2001:db8::1');
    expect(formatIp(parseIp('fe80::1%eth0'))).toBe('fe80::1');
  });

  it.each([
    '',
    '1.2.3',
    '1.2.3.4.5',
    '256.0.0.1',
    '01.2.3.4',
    '1::2::3',
    '12345::',
    ':::',
    'g::1',
    '1:2:3:4:5:6:7:8:9',
  ])('rejects %j', (text) => {
    expect(codeOf(() => parseIp(text))).toBe('invalid-ip');
  });
});
