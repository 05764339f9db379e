import {
  createPrivateKey,
  createPublicKey,
  randomBytes,
  sign as nodeSign,
  verify as nodeVerify,
  type KeyObject,
} from 'node:crypto';
import { open } from 'node:fs/promises';
import { IdentityError, DaemonError } from '../errors/errors.js';
import { writeFileAtomic } from '../util/atomic-file.js';

// DER prefixes of Ed25519 PKCS#8 private and SPKI public keys; the raw 32 bytes follow.
const ED25519_PKCS8_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');
const ED25519_SPKI_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');

/** Shape of the identity file: base64 of the 64-byte `seed ‖ public` key and of the public key. */
export interface IdentityFile {
  /** Standard base64 of seed (32 bytes) followed by the public key (32 bytes). */
  private_key: string;
  /** Standard base64 of the 32-byte Ed25519 public key. */
  public_key: string;
}

/** An Ed25519 identity: signs registry challenges and tunnel key exchanges. */
export class Identity {
  /** The 32-byte Ed25519 seed. */
  readonly #seed: Uint8Array;

  /** The 32-byte Ed25519 public key. */
  readonly publicKey: Uint8Array;

  // node:crypto signs ~10x faster than pure JS (bench/crypto.ts).
  readonly #keyObject: KeyObject;

  private constructor(seed: Uint8Array, keyObject: KeyObject) {
    this.#seed = seed;
    this.#keyObject = keyObject;
    // Derived by node:crypto: a pure-JS scalar multiplication builds its precomputed tables on
    // first use, tens of milliseconds at every daemon start.
    const spki = createPublicKey(keyObject).export({ format: 'der', type: 'spki' });
    this.publicKey = new Uint8Array(spki.subarray(ED25519_SPKI_PREFIX.length));
  }

  /**
   * Creates a fresh random identity.
   * @returns the new identity
   */
  static generate(): Identity {
    return Identity.fromSeed(new Uint8Array(randomBytes(32)));
  }

  /**
   * Rebuilds an identity from its 32-byte seed.
   * @param seed the Ed25519 seed
   * @returns the identity
   */
  static fromSeed(seed: Uint8Array): Identity {
    if (seed.length !== 32)
      throw new IdentityError(`an Ed25519 seed is 32 bytes, got ${seed.length}`);
    const copy = new Uint8Array(seed);
    const key = createPrivateKey({
      key: Buffer.concat([ED25519_PKCS8_PREFIX, copy]),
      format: 'der',
      type: 'pkcs8',
    });
    return new Identity(copy, key);
  }

  /**
   * Parses and verifies the JSON form: the public key derived from the private key must equal the
   * stored one.
   * @param data the parsed JSON object
   * @returns the identity
   */
  static fromJSON(data: unknown): Identity {
    if (typeof data !== 'object' || data === null)
      throw new IdentityError('identity file is not a JSON object');
    const { private_key: priv, public_key: pub } = data as Partial<IdentityFile>;
    if (typeof priv !== 'string' || typeof pub !== 'string') {
      throw new IdentityError('identity file needs string fields "private_key" and "public_key"');
    }
    const privBytes = decodeBase64(priv, 'private_key');
    const pubBytes = decodeBase64(pub, 'public_key');
    if (privBytes.length !== 64 && privBytes.length !== 32) {
      throw new IdentityError(
        `"private_key" must hold 64 bytes (seed ‖ public), got ${privBytes.length}`,
      );
    }
    if (pubBytes.length !== 32)
      throw new IdentityError(`"public_key" must hold 32 bytes, got ${pubBytes.length}`);
    const identity = Identity.fromSeed(privBytes.subarray(0, 32));
    if (!equalBytes(identity.publicKey, pubBytes)) {
      throw new IdentityError(
        'identity file is corrupt: the public key does not match the private key',
      );
    }
    if (privBytes.length === 64 && !equalBytes(privBytes.subarray(32), pubBytes)) {
      throw new IdentityError(
        'identity file is corrupt: the embedded public half of "private_key" does not match',
      );
    }
    return identity;
  }

  /**
   * Reads and verifies an identity file.
   * @param file the path
   * @returns the identity, or `undefined` when the file does not exist
   */
  static async load(file: string): Promise<Identity | undefined> {
    let text: string;
    let mode: number;
    try {
      // One open file for the mode check and the read: no swap in between.
      const handle = await open(file, 'r');
      try {
        mode = (await handle.stat()).mode;
        text = await handle.readFile('utf8');
      } finally {
        await handle.close();
      }
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw new DaemonError('IDENTITY_IO', `cannot read identity file ${file}`, { cause: error });
    }
    checkIdentityMode(file, mode);
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (error) {
      throw new IdentityError(`identity file ${file} is not valid JSON`, { cause: error });
    }
    return Identity.fromJSON(parsed);
  }

  /**
   * Loads the identity at `file`, or generates one and saves it there.
   * @param file the path
   * @returns the identity and whether it was created now
   */
  static async loadOrCreate(file: string): Promise<{ identity: Identity; created: boolean }> {
    const existing = await Identity.load(file);
    if (existing !== undefined) return { identity: existing, created: false };
    const identity = Identity.generate();
    await identity.save(file);
    return { identity, created: true };
  }

  /**
   * Writes the identity atomically (temp file + fsync + rename), mode 0600 in a 0700 directory.
   * @param file the path
   */
  async save(file: string): Promise<void> {
    try {
      await writeFileAtomic(file, `${JSON.stringify(this.toJSON(), null, 2)}\n`);
    } catch (error) {
      throw new DaemonError('IDENTITY_IO', `cannot write identity file ${file}`, { cause: error });
    }
  }

  /**
   * The JSON form (Go-compatible: private key is `seed ‖ public`).
   * @returns the file object
   */
  toJSON(): IdentityFile {
    const full = new Uint8Array(64);
    full.set(this.#seed, 0);
    full.set(this.publicKey, 32);
    return { private_key: toBase64(full), public_key: toBase64(this.publicKey) };
  }

  /** The public key as standard base64 (44 characters), the registry's `public_key` form. */
  get publicKeyBase64(): string {
    return toBase64(this.publicKey);
  }

  /**
   * Signs bytes.
   * @param message the bytes to sign
   * @returns the 64-byte signature
   */
  sign(message: Uint8Array): Uint8Array {
    return new Uint8Array(nodeSign(null, message, this.#keyObject));
  }

  /**
   * Verifies a signature against `publicKey`, or this identity's own key when omitted.
   * @param message the signed bytes
   * @param signature 64 bytes
   * @param publicKey the signer's 32-byte key
   * @returns whether it verifies
   */
  verify(
    message: Uint8Array,
    signature: Uint8Array,
    publicKey: Uint8Array = this.publicKey,
  ): boolean {
    return verifySignature(signature, message, publicKey);
  }

  /**
   * The 32-byte signing seed (for plugins that derive keys from it). Do not log or retain.
   * @returns a copy of the seed
   */
  signingSeed(): Uint8Array {
    return new Uint8Array(this.#seed);
  }

  /**
   * Signs a UTF-8 challenge string (registry operations) and returns standard base64.
   * @param challenge e.g. `heartbeat:5`
   * @returns base64 signature
   */
  signChallenge(challenge: string): string {
    return toBase64(this.sign(new TextEncoder().encode(challenge)));
  }

  /** Hides the key material from `util.inspect` and logs. */
  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return `Identity(${this.publicKeyBase64})`;
  }
}

/**
 * Refuses a private key file that group or others can access, as ssh does: anyone who can
 * read it can impersonate the node. `MESH_ALLOW_INSECURE_IDENTITY=1` loads it anyway. No check
 * on Windows, where POSIX modes do not describe access.
 */
function checkIdentityMode(file: string, mode: number): void {
  if (process.platform === 'win32' || (mode & 0o077) === 0) return;
  if (process.env['MESH_ALLOW_INSECURE_IDENTITY'] === '1') return;
  const perms = (mode & 0o777).toString(8).padStart(4, '0');
  throw new DaemonError(
    'IDENTITY_INSECURE',
    `permissions ${perms} for identity file '${file}' are too open: it holds this node's private key and must not be accessible by others. Run: chmod 600 '${file}' (or set MESH_ALLOW_INSECURE_IDENTITY=1 to load it anyway)`,
  );
}

/**
 * Verifies an Ed25519 signature; never throws (malformed input is `false`).
 * @param signature 64 bytes
 * @param message the signed bytes
 * @param publicKey 32 bytes
 * @returns whether the signature is valid
 */
export function verifySignature(
  signature: Uint8Array,
  message: Uint8Array,
  publicKey: Uint8Array,
): boolean {
  if (signature.length !== 64 || publicKey.length !== 32) return false;
  try {
    const key = createPublicKey({
      key: Buffer.concat([ED25519_SPKI_PREFIX, publicKey]),
      format: 'der',
      type: 'spki',
    });
    return nodeVerify(null, message, key, signature);
  } catch {
    return false;
  }
}

/**
 * Standard base64 of bytes.
 * @param bytes input
 * @returns base64 text
 */
export function toBase64(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
}

/** Strict standard-base64 decoding with a field name in the error. */
function decodeBase64(text: string, field: string): Uint8Array {
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(text) || text.length % 4 !== 0) {
    throw new IdentityError(`"${field}" is not standard base64`);
  }
  return new Uint8Array(Buffer.from(text, 'base64'));
}

/** Constant-time byte comparison. */
function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a[i] ^ b[i];
  return diff === 0;
}
