import type { PeerDirectory, PeerDirectoryEvent, PeerInfoSource } from '@mesh/daemonapi';

/** A peer as the in-memory keystore holds it. */
export interface MemoryPeer {
  /** Node id. */
  readonly nodeId: number;
  /** 32-byte X25519 public key. */
  readonly x25519PublicKey: Uint8Array;
  /** Advertised name. */
  readonly name: string;
}

/** An in-memory peer keystore; tests drive it with `see` and `forget`. */
export class MemoryPeerDirectory implements PeerDirectory {
  readonly #peers = new Map<number, MemoryPeer>();
  readonly #listeners = new Set<(event: PeerDirectoryEvent) => void>();

  /** Subscribed listeners (a leak check counts them). */
  get listenerCount(): number {
    return this.#listeners.size;
  }

  /** Known peers. */
  peers(): MemoryPeer[] {
    return [...this.#peers.values()];
  }

  async lookupX25519(nodeId: number): Promise<Uint8Array | undefined> {
    return this.#peers.get(nodeId)?.x25519PublicKey.slice();
  }

  async lookupName(nodeId: number): Promise<string | undefined> {
    return this.#peers.get(nodeId)?.name;
  }

  subscribe(listener: (event: PeerDirectoryEvent) => void): () => void {
    // Wrap so one listener subscribed twice gets two independent subscriptions.
    const entry = (event: PeerDirectoryEvent): void => listener(event);
    this.#listeners.add(entry);
    return () => {
      this.#listeners.delete(entry);
    };
  }

  /**
   * Learns or refreshes a peer. Emits `seen` when the peer is new or its key or name changed,
   * as the engine's directory does; returns whether it emitted. Listener errors are swallowed.
   */
  see(peer: MemoryPeer, via: PeerInfoSource = 'direct'): boolean {
    const known = this.#peers.get(peer.nodeId);
    this.#peers.set(peer.nodeId, peer);
    if (
      known !== undefined &&
      known.name === peer.name &&
      Buffer.compare(known.x25519PublicKey, peer.x25519PublicKey) === 0
    )
      return false;
    this.#emit({
      type: 'seen',
      nodeId: peer.nodeId,
      x25519PublicKey: peer.x25519PublicKey.slice(),
      name: peer.name,
      via,
    });
    return true;
  }

  /** Forgets a peer and emits `forgotten`; `false` when it was unknown (nothing is emitted). */
  forget(nodeId: number): boolean {
    if (!this.#peers.delete(nodeId)) return false;
    this.#emit({ type: 'forgotten', nodeId });
    return true;
  }

  /** Drops every listener (daemon stop). */
  clearListeners(): void {
    this.#listeners.clear();
  }

  #emit(event: PeerDirectoryEvent): void {
    for (const listener of [...this.#listeners]) {
      try {
        listener(event);
      } catch {
        // A throwing listener must not stop the others; the engine logs and carries on.
      }
    }
  }
}
