// The beacon's per-node state: node id → route, bounded in size and age.
import type { NodeRoute } from './route.js';

/** One row of the table. */
export interface NodeEntry {
  /** How to reach the node. */
  readonly route: NodeRoute;
  /** Clock reading (ms) of the last Discover / PunchRequest that set the route. */
  readonly seenAt: number;
}

/** Limits of a {@link NodeTable}. */
export interface NodeTableOptions {
  /** Most nodes kept; the least recently seen one is evicted to make room. */
  readonly maxNodes: number;
  /** UDP routes not refreshed for this long are dropped by {@link NodeTable.sweep}. */
  readonly ttlMs: number;
}

/**
 * node id → route. A Map keeps insertion order, and every refresh re-inserts, so the first key
 * is always the least recently seen: eviction is O(1). WebSocket routes live as long as their
 * connection and are never aged out; UDP routes age out after `ttlMs` without a refresh.
 */
export class NodeTable {
  readonly #entries = new Map<number, NodeEntry>();
  readonly #options: NodeTableOptions;

  /** @param options - size and age limits. */
  constructor(options: NodeTableOptions) {
    this.#options = options;
  }

  /** Number of nodes known. */
  get size(): number {
    return this.#entries.size;
  }

  /** The entry of `nodeId`, if known. */
  get(nodeId: number): NodeEntry | undefined {
    return this.#entries.get(nodeId);
  }

  /**
   * Records (or refreshes) the route of `nodeId`.
   * @returns the id evicted to make room, if any.
   */
  set(nodeId: number, route: NodeRoute, now: number): number | undefined {
    let evicted: number | undefined;
    if (!this.#entries.delete(nodeId) && this.#entries.size >= this.#options.maxNodes) {
      const oldest = this.#entries.keys().next();
      if (!oldest.done) {
        evicted = oldest.value;
        this.#entries.delete(oldest.value);
      }
    }
    this.#entries.set(nodeId, { route, seenAt: now });
    return evicted;
  }

  /** Forgets `nodeId` only if its current route is `route`'s WebSocket connection. */
  deleteWsLink(nodeId: number, linkId: number): boolean {
    const entry = this.#entries.get(nodeId);
    if (entry?.route.kind !== 'ws' || entry.route.link.id !== linkId) return false;
    return this.#entries.delete(nodeId);
  }

  /** Forgets `nodeId`. */
  delete(nodeId: number): boolean {
    return this.#entries.delete(nodeId);
  }

  /**
   * Drops UDP routes older than the TTL.
   * @returns the ids dropped.
   */
  sweep(now: number): number[] {
    return this.sweepEntries(now).map(([id]) => id);
  }

  /**
   * Like {@link sweep}, returning the dropped entries too.
   * @returns `[id, entry]` of every dropped node.
   */
  sweepEntries(now: number): [number, NodeEntry][] {
    const dropped: [number, NodeEntry][] = [];
    const cutoff = now - this.#options.ttlMs;
    for (const [id, entry] of this.#entries) {
      // Entries sit in refresh order, so the first fresh one ends the scan.
      if (entry.seenAt > cutoff) break;
      if (entry.route.kind === 'udp') dropped.push([id, entry]);
    }
    for (const [id] of dropped) this.#entries.delete(id);
    return dropped;
  }

  /** The ids currently known (for gossip). */
  ids(): IterableIterator<number> {
    return this.#entries.keys();
  }

  /** Forgets everything. */
  clear(): void {
    this.#entries.clear();
  }
}
