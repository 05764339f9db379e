import * as ed from '@noble/ed25519';
import type { Logger, PeerDirectory, PeerDirectoryEvent, PeerInfoSource } from '@mesh/daemonapi';

/** The field prime of Curve25519 / edwards25519, 2^255 - 19. */
const P = 2n ** 255n - 19n;

/**
 * The X25519 public key of an Ed25519 public key: the birational map from the twisted Edwards
 * curve to its Montgomery form, u = (1 + y) / (1 - y) mod p (RFC 7748 §4.1), little-endian.
 * @param ed25519PublicKey 32-byte Ed25519 public key
 * @returns the 32-byte X25519 public key
 * @throws Error when the bytes are not a point on the curve
 */
export function ed25519ToX25519(ed25519PublicKey: Uint8Array): Uint8Array {
  const { y } = ed.Point.fromBytes(ed25519PublicKey).toAffine();
  const u = ed.etc.mod((1n + y) * ed.etc.invert(ed.etc.mod(1n - y, P), P), P);
  const out = new Uint8Array(32);
  let v = u;
  for (let i = 0; i < 32; i++) {
    out[i] = Number(v & 0xffn);
    v >>= 8n;
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
