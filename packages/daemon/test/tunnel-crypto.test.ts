import { describe, expect, it } from 'vitest';
import { createHmac } from 'node:crypto';
import { hkdf } from '@noble/hashes/hkdf.js';
import { sha256 } from '@noble/hashes/sha2.js';
import {
  TunnelSession,
  deriveTunnelKey,
  generateX25519KeyPair,
  keyExchangeChallenge,
  tunnelKeyFromSecret,
} from '../src/crypto/tunnel-crypto.js';
import { ReplayWindow } from '../src/crypto/replay-window.js';

describe('tunnel key derivation', () => {
  it('both sides derive the same key; HKDF matches a pure-JS HKDF-SHA256 with info pilot-tunnel-v1', () => {
    const a = generateX25519KeyPair();
    const b = generateX25519KeyPair();
    const ka = deriveTunnelKey(a.privateKey, b.publicKey);
    const kb = deriveTunnelKey(b.privateKey, a.publicKey);
    expect(ka.equals(kb)).toBe(true);
    // Recompute by the reference's formula: PRK = HMAC(empty, shared); key = HMAC(PRK, info ‖ 0x01).
    const shared = new Uint8Array(32).fill(7);
    const prk = createHmac('sha256', Buffer.alloc(0)).update(shared).digest();
    const expected = createHmac('sha256', prk)
      .update('pilot-tunnel-v1')
      .update(Buffer.from([1]))
      .digest();
    expect(tunnelKeyFromSecret(shared).equals(expected)).toBe(true);
    const info = new TextEncoder().encode('pilot-tunnel-v1');
    expect(Buffer.from(hkdf(sha256, shared, new Uint8Array(), info, 32)).equals(expected)).toBe(
      true,
    );
  });

  it('rejects a low-order (all-zero) peer key', () => {
    const a = generateX25519KeyPair();
    expect(() => deriveTunnelKey(a.privateKey, new Uint8Array(32))).toThrow();
  });

  it('builds the 40-byte auth challenge', () => {
    const pub = new Uint8Array(32).fill(0xab);
    const c = keyExchangeChallenge(0x01020304, pub);
    expect(Buffer.from(c.subarray(0, 8)).toString('hex')).toBe('6175746801020304');
    expect(c).toHaveLength(40);
  });
});

describe('TunnelSession', () => {
  const pair = (): [TunnelSession, TunnelSession] => {
    const a = generateX25519KeyPair();
    const b = generateX25519KeyPair();
    return [
      new TunnelSession(deriveTunnelKey(a.privateKey, b.publicKey), b.publicKey),
      new TunnelSession(deriveTunnelKey(b.privateKey, a.publicKey), a.publicKey),
    ];
  };

  it('seals with counter starting at 1 and opens on the other side', () => {
    const [a, b] = pair();
    const { nonce, ciphertext } = a.seal(Buffer.from('hello'), 5);
    expect(nonce.readUInt32BE(8)).toBe(1);
    const out = b.open(nonce, ciphertext, 5);
    expect(out.ok && out.plaintext.toString()).toBe('hello');
  });

  it('binds the sender node id as additional data', () => {
    const [a, b] = pair();
    const { nonce, ciphertext } = a.seal(Buffer.from('x'), 5);
    expect(b.open(nonce, ciphertext, 6)).toMatchObject({ ok: false, reason: 'auth' });
    // the failed attempt rolled the window back, so the genuine frame still opens
    expect(b.open(nonce, ciphertext, 5).ok).toBe(true);
  });

  it('rejects a replayed frame', () => {
    const [a, b] = pair();
    const f = a.seal(Buffer.from('x'), 1);
    expect(b.open(f.nonce, f.ciphertext, 1).ok).toBe(true);
    expect(b.open(f.nonce, f.ciphertext, 1)).toMatchObject({
      ok: false,
      reason: 'replay',
      counter: 1,
    });
  });

  it('rejects a tampered ciphertext', () => {
    const [a, b] = pair();
    const f = a.seal(Buffer.from('hello'), 1);
    f.ciphertext[0] ^= 1;
    expect(b.open(f.nonce, f.ciphertext, 1)).toMatchObject({ ok: false, reason: 'auth' });
    // The forged frame's counter was rolled back: the genuine frame with it still opens, once.
    f.ciphertext[0] ^= 1;
    expect(b.open(f.nonce, f.ciphertext, 1)).toMatchObject({ ok: true });
    expect(b.open(f.nonce, f.ciphertext, 1)).toMatchObject({ ok: false, reason: 'replay' });
  });
});

describe('ReplayWindow', () => {
  it('accepts in order and reordered counters, rejects replays and too-old ones', () => {
    const w = new ReplayWindow();
    expect(w.check(10).verdict).toBe('ok');
    expect(w.check(12).verdict).toBe('ok');
    expect(w.check(11).verdict).toBe('ok');
    expect(w.check(11).verdict).toBe('replay');
    expect(w.check(300).verdict).toBe('ok');
    expect(w.check(45).verdict).toBe('ok'); // 300-45 = 255, inside
    expect(w.check(44).verdict).toBe('too_old'); // 256 behind
    expect(w.check(45).verdict).toBe('replay');
  });

  it('forgets bits that slide out and keeps those that stay, across word boundaries', () => {
    const w = new ReplayWindow();
    for (let c = 1; c <= 100; c++) expect(w.check(c).verdict).toBe('ok');
    expect(w.check(133).verdict).toBe('ok');
    for (let c = 1; c <= 100; c++) expect(w.check(c).verdict).toBe('replay');
    for (let c = 101; c <= 132; c++) expect(w.check(c).verdict).toBe('ok');
  });

  it('rolls back a recorded counter', () => {
    const w = new ReplayWindow();
    w.check(5);
    const r = w.check(900);
    expect(r.verdict).toBe('ok');
    w.rollback(r.undo!);
    expect(w.max).toBe(5);
    expect(w.check(5).verdict).toBe('replay');
    expect(w.check(900).verdict).toBe('ok');
  });
});

describe('TunnelSession.sealFrame', () => {
  it('builds a PILS frame that @mesh/protocol decodes and the peer opens', async () => {
    const { decodeTunnelFrame } = await import('@mesh/protocol');
    const a = generateX25519KeyPair();
    const b = generateX25519KeyPair();
    const tx = new TunnelSession(deriveTunnelKey(a.privateKey, b.publicKey), b.publicKey);
    const rx = new TunnelSession(deriveTunnelKey(b.privateKey, a.publicKey), a.publicKey);
    tx.seal(Buffer.from('first'), 9); // counter 1 via seal, 2 via sealFrame: one counter space
    const frame = decodeTunnelFrame(tx.sealFrame(Buffer.from('framed'), 9));
    expect(frame.kind).toBe('encrypted');
    if (frame.kind !== 'encrypted') return;
    expect(frame.sender).toBe(9);
    expect(Buffer.from(frame.nonce).readUInt32BE(8)).toBe(2);
    const out = rx.open(frame.nonce, frame.ciphertext, 9);
    expect(out.ok && out.plaintext.toString()).toBe('framed');
  });
});

describe('TunnelSession.sealPieces', () => {
  it('seals a packet given in pieces into the frame sealFrame builds from the joined packet', async () => {
    const { decodeTunnelFrame } = await import('@mesh/protocol');
    const a = generateX25519KeyPair();
    const b = generateX25519KeyPair();
    const key = deriveTunnelKey(a.privateKey, b.publicKey);
    const prefix = Buffer.from([1, 2, 3, 4]);
    const joined = new TunnelSession(key, b.publicKey, prefix);
    const pieced = new TunnelSession(key, b.publicKey, prefix);
    const head = Buffer.from('header-34-bytes-or-so');
    const body = Buffer.alloc(20_000, 0x5a);
    const expected = joined.sealFrame(Buffer.concat([head, body]), 9);
    const pieces = pieced.sealPieces([head, new Uint8Array(0), body], 9);
    expect(pieces.length).toBeGreaterThanOrEqual(4); // header, two ciphertexts, tag: no joining
    expect(Buffer.concat(pieces).equals(expected)).toBe(true);
    const rx = new TunnelSession(deriveTunnelKey(b.privateKey, a.publicKey), a.publicKey);
    const frame = decodeTunnelFrame(Buffer.concat(pieces));
    if (frame.kind !== 'encrypted') throw new Error('not a PILS frame');
    const out = rx.open(frame.nonce, frame.ciphertext, 9);
    expect(out.ok && out.plaintext.equals(Buffer.concat([head, body]))).toBe(true);
  });
});
