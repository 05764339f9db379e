/**
 * Crypto micro-benchmarks: node:crypto beside the pure-JS @noble libraries, same run.
 * Run: pnpm --filter @mesh/daemon run bench:crypto
 */
import { gcm } from '@noble/ciphers/aes.js';
import { x25519 } from '@noble/curves/ed25519.js';
import * as ed from '@noble/ed25519';
import { hkdf } from '@noble/hashes/hkdf.js';
import { sha256, sha512 } from '@noble/hashes/sha2.js';
import {
  createCipheriv,
  createDecipheriv,
  createHash,
  createPrivateKey,
  createPublicKey,
  diffieHellman,
  generateKeyPairSync,
  hkdfSync,
  randomBytes,
  sign as nodeSign,
  verify as nodeVerify,
} from 'node:crypto';
import {
  TunnelSession,
  deriveTunnelKey,
  generateX25519KeyPair,
} from '../src/crypto/tunnel-crypto.js';

ed.hashes.sha512 = sha512;

function bench(name: string, fn: () => void, minMs = 400): number {
  for (let i = 0; i < 50; i++) fn();
  let n = 0;
  const start = process.hrtime.bigint();
  let elapsed = 0;
  while (elapsed < minMs) {
    for (let i = 0; i < 20; i++) fn();
    n += 20;
    elapsed = Number(process.hrtime.bigint() - start) / 1e6;
  }
  const opsPerSec = (n / elapsed) * 1000;
  console.log(`${name.padEnd(48)} ${opsPerSec.toFixed(0).padStart(10)} ops/s`);
  return opsPerSec;
}

const msg = randomBytes(40);
const seed = randomBytes(32);
const edPub = ed.getPublicKey(seed);
const edSig = ed.sign(msg, seed);
const nodeKey = createPrivateKey({
  key: Buffer.concat([Buffer.from('302e020100300506032b657004220420', 'hex'), seed]),
  format: 'der',
  type: 'pkcs8',
});
const nodeSig = nodeSign(null, msg, nodeKey);

console.log('# Ed25519 (PILA signatures, registry challenges)');
bench('noble ed25519 sign', () => ed.sign(msg, seed));
bench('node:crypto ed25519 sign', () => nodeSign(null, msg, nodeKey));
bench('noble ed25519 verify', () => ed.verify(edSig, msg, edPub));
bench('node:crypto ed25519 verify', () => nodeVerify(null, msg, nodeKey, nodeSig));

console.log('# HKDF-SHA256 (session key)');
const shared = randomBytes(32);
const info = new TextEncoder().encode('pilot-tunnel-v1');
bench('noble hkdf', () => hkdf(sha256, shared, new Uint8Array(), info, 32));
bench('node:crypto hkdfSync', () =>
  hkdfSync('sha256', shared, Buffer.alloc(0), 'pilot-tunnel-v1', 32),
);

console.log('# SHA-256 of 1 KiB');
const kib = randomBytes(1024);
bench('noble sha256', () => sha256(kib));
bench('node:crypto sha256', () => createHash('sha256').update(kib).digest());

console.log('# X25519 (key exchange)');
const a = generateX25519KeyPair();
const b = generateX25519KeyPair();
const nobleA = x25519.utils.randomSecretKey();
const nobleB = x25519.getPublicKey(x25519.utils.randomSecretKey());
bench('noble x25519 keygen', () => x25519.getPublicKey(x25519.utils.randomSecretKey()));
bench('node:crypto x25519 keygen', () => generateKeyPairSync('x25519'));
bench('noble x25519 shared secret', () => x25519.getSharedSecret(nobleA, nobleB));
// The same raw-key → shared-secret step node:crypto needs (key objects from 32 raw bytes).
const rawPriv = (k: Uint8Array): ReturnType<typeof createPrivateKey> =>
  createPrivateKey({
    key: Buffer.concat([Buffer.from('302e020100300506032b656e04220420', 'hex'), k]),
    format: 'der',
    type: 'pkcs8',
  });
const rawPub = (k: Uint8Array): ReturnType<typeof createPublicKey> =>
  createPublicKey({
    key: Buffer.concat([Buffer.from('302a300506032b656e032100', 'hex'), k]),
    format: 'der',
    type: 'spki',
  });
bench('node:crypto x25519 shared secret (raw keys)', () =>
  diffieHellman({ privateKey: rawPriv(nobleA), publicKey: rawPub(nobleB) }),
);
bench('node:crypto x25519 + hkdf (deriveTunnelKey)', () =>
  deriveTunnelKey(a.privateKey, b.publicKey),
);

console.log('# AES-256-GCM of a 1186-byte frame (one tunnel frame)');
const key = deriveTunnelKey(a.privateKey, b.publicKey);
const frame = randomBytes(1186);
const iv = randomBytes(12);
const aad = Buffer.from([0, 0, 0, 7]);
const mbps = (rate: number): string =>
  `${'  = throughput'.padEnd(48)} ${((rate * 1186) / 1e6).toFixed(0).padStart(10)} MB/s`;
console.log(mbps(bench('noble gcm seal (1186 B)', () => gcm(key, iv, aad).encrypt(frame))));
console.log(
  mbps(
    bench('node:crypto createCipheriv gcm seal (1186 B)', () => {
      const c = createCipheriv('aes-256-gcm', key, iv);
      c.setAAD(aad);
      c.update(frame);
      c.final();
      c.getAuthTag();
    }),
  ),
);
const nobleSealed = gcm(key, iv, aad).encrypt(frame);
bench('noble gcm open (1186 B)', () => gcm(key, iv, aad).decrypt(nobleSealed));
const nodeTag = nobleSealed.subarray(nobleSealed.length - 16);
const nodeCt = nobleSealed.subarray(0, nobleSealed.length - 16);
bench('node:crypto createDecipheriv gcm open (1186 B)', () => {
  const d = createDecipheriv('aes-256-gcm', key, iv);
  d.setAAD(aad);
  d.setAuthTag(nodeTag);
  d.update(nodeCt);
  d.final();
});
const tx = new TunnelSession(key, b.publicKey);
console.log(mbps(bench('TunnelSession.seal (1186 B)', () => tx.seal(frame, 7))));
const rx = new TunnelSession(key, a.publicKey);
const sealed: { nonce: Buffer; ciphertext: Buffer }[] = [];
for (let i = 0; i < 400_000; i++) sealed.push(tx.seal(frame, 7));
let idx = 0;
bench('TunnelSession.open (1186 B, replay check)', () => {
  const f = sealed[idx++ % sealed.length];
  rx.open(f.nonce, f.ciphertext, 7);
});
