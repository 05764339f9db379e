import type { Logger, PeerDirectory, PeerDirectoryEvent, PeerInfoSource } from '@mesh/daemonapi';

/** The field prime of Curve25519 / edwards25519, 2^255 - 19. */
const P = 2n ** 255n - 19n;
/** The edwards25519 curve constant d = -121665 / 121666 mod p (RFC 8032 §5.1). */
const D = 37095705934669439343138083508754565189542113879843219016388785533085940283555n;

const mod = (a: bigint): bigint => {
  const r = a % P;
  return r >= 0n ? r : r + P;
};

/** b^e mod p, square and multiply. */
function pow(b: bigint, e: bigint): bigint {
  let r = 1n;
  let x = mod(b);
  for (; e > 0n; e >>= 1n) {
    if (e & 1n) r = (r * x) % P;
    x = (x * x) % P;
  }
  return r;
}

/**
 * The X25519 public key of an Ed25519 public key: the birational map from the twisted Edwards
 * curve to its Montgomery form, u = (1 + y) / (1 - y) mod p (RFC 7748 §4.1), little-endian.
 * Plain BigInt arithmetic: a pure-JS curve library here cost every daemon its module at start
 * for one map (idle RSS, issue 17).
 * @param ed25519PublicKey 32-byte Ed25519 public key
 * @returns the 32-byte X25519 public key
 * @throws Error when the bytes are not a point on the curve
 */
export function ed25519ToX25519(ed25519PublicKey: Uint8Array): Uint8Array {
  if (ed25519PublicKey.length !== 32) throw new Error('Ed25519 public key must be 32 bytes');
  let y = 0n;
  for (let i = 31; i >= 0; i--) y = (y << 8n) | BigInt(ed25519PublicKey[i]);
  const xOdd = y >> 255n === 1n;
  y &= (1n << 255n) - 1n;
  // A point (RFC 8032 §5.1.3 decoding): y < p, and x^2 = (y^2 - 1) / (d y^2 + 1) has a root.
  if (y >= P) throw new Error('invalid Ed25519 public key: y is not reduced');
  const y2 = (y * y) % P;
  const x2 = mod((y2 - 1n) * pow(D * y2 + 1n, P - 2n));
  if (x2 === 0n ? xOdd : pow(x2, (P - 1n) / 2n) !== 1n)
    throw new Error('invalid Ed25519 public key: not a point on the curve');
  // y = 1 is the neutral element: no Montgomery image.
  if (y === 1n) throw new Error('invalid Ed25519 public key: the identity point');
  let u = mod((1n + y) * pow(1n - y, P - 2n));
  const out = new Uint8Array(32);
  for (let i = 0; i < 32; i++) {
    out[i] = Number(u & 0xffn);
    u >>= 8n;
  }
  return out;
}

/** What the registry says about a peer (the directory's source of identity keys). */
export interface PeerRecordSource {
  /** Looks a peer up; rejects when the registry does not know it. */
  lookup(nodeId: number): Promise<{ readonly publicKey: string; readonly hostname: string }>;
}

interface PeerRecord {
  readonly ed25519: string;
  readonly x25519: Uint8Array;
  readonly name: string;
}

/**
 * The engine's {@link PeerDirectory} (handed to plugins as `PluginContext.peers`): peers learned
 * from registry lookups (every key exchange looks the peer up) and tunnels, each with an X25519
 * key derived from its Ed25519 identity key, so it stays stable across tunnel re-keys. `seen`
 * fires when a peer is first learned or its key or name changes; `forgotten` when the engine
 * forgets a peer.
 */
export class EnginePeerDirectory implements PeerDirectory {
  readonly #peers = new Map<number, PeerRecord>();
  readonly #listeners = new Set<(event: PeerDirectoryEvent) => void>();
  readonly #source: PeerRecordSource;
  readonly #log: Logger;

  /**
   * @param source registry lookups for peers not seen yet
   * @param logger where a failing listener is reported
   */
  constructor(source: PeerRecordSource, logger: Logger) {
    this.#source = source;
    this.#log = logger;
  }

  /**
   * Records what the registry said about a peer; emits `seen` when it is new or changed.
   * @param nodeId the peer
   * @param publicKeyBase64 its Ed25519 identity key, base64 (`''` when it has none)
   * @param name its hostname (may be empty)
   * @param via how the identity arrived
   */
  learn(
    nodeId: number,
    publicKeyBase64: string,
    name: string,
    via: PeerInfoSource = 'direct',
  ): void {
    if (publicKeyBase64 === '') return;
    const known = this.#peers.get(nodeId);
    if (known !== undefined && known.ed25519 === publicKeyBase64 && known.name === name) return;
    let x25519: Uint8Array;
    try {
      x25519 = ed25519ToX25519(new Uint8Array(Buffer.from(publicKeyBase64, 'base64')));
    } catch (error) {
      this.#log.debug('peer key is not an Ed25519 point', { peer: nodeId, error: String(error) });
      return;
    }
    this.#peers.set(nodeId, { ed25519: publicKeyBase64, x25519, name });
    this.#emit({ type: 'seen', nodeId, x25519PublicKey: x25519.slice(), name, via });
  }

  /**
   * Forgets a peer; emits `forgotten` when it was known.
   * @param nodeId the peer
   */
  forget(nodeId: number): void {
    if (!this.#peers.delete(nodeId)) return;
    this.#emit({ type: 'forgotten', nodeId });
  }

  /**
   * Whether the peer is known.
   * @param nodeId the peer
   * @returns the answer
   */
  has(nodeId: number): boolean {
    return this.#peers.has(nodeId);
  }

  async lookupX25519(nodeId: number): Promise<Uint8Array | undefined> {
    return (await this.#record(nodeId))?.x25519.slice();
  }

  async lookupName(nodeId: number): Promise<string | undefined> {
    return (await this.#record(nodeId))?.name;
  }

  subscribe(listener: (event: PeerDirectoryEvent) => void): () => void {
    this.#listeners.add(listener);
    return () => {
      this.#listeners.delete(listener);
    };
  }

  async #record(nodeId: number): Promise<PeerRecord | undefined> {
    const known = this.#peers.get(nodeId);
    if (known !== undefined) return known;
    try {
      const info = await this.#source.lookup(nodeId);
      this.learn(nodeId, info.publicKey, info.hostname);
    } catch (error) {
      this.#log.debug('peer lookup failed', { peer: nodeId, error: String(error) });
    }
    return this.#peers.get(nodeId);
  }

  #emit(event: PeerDirectoryEvent): void {
    for (const listener of [...this.#listeners]) {
      try {
        listener(event);
      } catch (error) {
        this.#log.warn('peer directory listener failed', { error: String(error) });
      }
    }
  }
}
