// Bindings nobody proved: capped in total and per source IP, and never evicting to make room.
import { NodeTable } from './node-table.js';
import type { NodeEntry } from './node-table.js';
import type { NodeRoute } from './route.js';

/** Limits of an {@link UnprovenTable}. */
export interface UnprovenTableOptions {
  /** Most unproven bindings at once; beyond it new ones are refused (none evicted). */
  readonly maxNodes: number;
  /** Most unproven bindings from one source IP. */
  readonly maxPerIp: number;
  /** UDP bindings not refreshed for this long are dropped by {@link UnprovenTable.sweep}. */
  readonly ttlMs: number;
}

/** The IP a route comes from, for the per-IP cap. */
function ipOf(route: NodeRoute): string {
  return route.kind === 'udp' ? route.address : route.link.address;
}

/**
 * node id → route for bindings claimed by a bare Discover (reference clients, WebSocket).
 * A full table refuses newcomers instead of evicting, so a flood of forged node ids from
 * spoofed or many sources cannot push out nodes that are already bound; one IP holds at most
 * `maxPerIp` bindings, so one host cannot fill the table alone.
 */
export class UnprovenTable {
  readonly #table: NodeTable;
  readonly #perIp = new Map<string, number>();
  readonly #options: UnprovenTableOptions;

  /** @param options - caps and age limit. */
  constructor(options: UnprovenTableOptions) {
    this.#options = options;
    // The inner table never reaches its cap: set() refuses first.
    this.#table = new NodeTable({ maxNodes: options.maxNodes + 1, ttlMs: options.ttlMs });
  }

  /** Number of bindings. */
  get size(): number {
    return this.#table.size;
  }

  /** The entry of `nodeId`, if bound. */
  get(nodeId: number): NodeEntry | undefined {
    return this.#table.get(nodeId);
  }

  /**
   * Binds (or refreshes) `nodeId` to `route`.
   * @returns false when a cap refused it (the previous binding, if any, is kept).
   */
  set(nodeId: number, route: NodeRoute, now: number): boolean {
    const ip = ipOf(route);
    const existing = this.#table.get(nodeId);
    const oldIp = existing === undefined ? undefined : ipOf(existing.route);
    if (oldIp !== ip) {
      if (existing === undefined && this.#table.size >= this.#options.maxNodes) return false;
      if ((this.#perIp.get(ip) ?? 0) >= this.#options.maxPerIp) return false;
      if (oldIp !== undefined) this.#release(oldIp);
      this.#perIp.set(ip, (this.#perIp.get(ip) ?? 0) + 1);
    }
    this.#table.set(nodeId, route, now);
    return true;
  }

  /** Forgets `nodeId` only if it is bound to WebSocket connection `linkId`. */
  deleteWsLink(nodeId: number, linkId: number): boolean {
    const entry = this.#table.get(nodeId);
    if (!this.#table.deleteWsLink(nodeId, linkId) || entry === undefined) return false;
    this.#release(ipOf(entry.route));
    return true;
  }

  /** Forgets `nodeId`; returns the entry it had. */
  delete(nodeId: number): NodeEntry | undefined {
    const entry = this.#table.get(nodeId);
    if (entry === undefined) return undefined;
    this.#table.delete(nodeId);
    this.#release(ipOf(entry.route));
    return entry;
  }

  /**
   * Drops UDP bindings older than the TTL.
   * @returns the ids dropped.
   */
  sweep(now: number): number[] {
    const dropped = this.#table.sweepEntries(now);
    for (const [, entry] of dropped) this.#release(ipOf(entry.route));
    return dropped.map(([id]) => id);
  }

  /** The ids bound. */
  ids(): IterableIterator<number> {
    return this.#table.ids();
  }

  /** Forgets everything. */
  clear(): void {
    this.#table.clear();
    this.#perIp.clear();
  }

  #release(ip: string): void {
    const n = (this.#perIp.get(ip) ?? 0) - 1;
    if (n <= 0) this.#perIp.delete(ip);
    else this.#perIp.set(ip, n);
  }
}
