import type { AuditEntry, Inbox, NetworkRecord, NodeRecord } from '../state/records.js';
import type { RegistryStore, StoreWrite, StoredState } from './store.js';

/** Audit entries a store keeps (older ones are dropped). */
export const AUDIT_KEEP = 10_000;

/**
 * A non-durable store kept in memory: for tests and throwaway registries. State survives a
 * server restart within the same process when the same instance is reused.
 */
export class MemoryStore implements RegistryStore {
  readonly #nodes = new Map<number, NodeRecord>();
  readonly #networks = new Map<number, NetworkRecord>();
  readonly #keyIndex = new Map<string, number>();
  readonly #ownerIndex = new Map<string, number>();
  readonly #trust = new Set<string>();
  readonly #inboxes = new Map<number, Inbox>();
  readonly #meta = new Map<string, number>();
  readonly #audit: AuditEntry[] = [];

  /** Returns deep copies, so the server never shares objects with the store. */
  load(): StoredState {
    const copy = <T>(v: T): T => structuredClone(v);
    return {
      nodes: [...this.#nodes.values()].map(copy),
      networks: [...this.#networks.values()].map(copy),
      keyIndex: [...this.#keyIndex],
      ownerIndex: [...this.#ownerIndex],
      trustPairs: [...this.#trust],
      inboxes: [...this.#inboxes].map(([id, inbox]) => [id, copy(inbox)]),
      meta: Object.fromEntries(this.#meta),
      audit: this.#audit.map(copy),
    };
  }

  /** Applies writes in order. */
  apply(writes: readonly StoreWrite[]): Promise<void> {
    try {
      this.#applySync(writes);
      return Promise.resolve();
    } catch (err) {
      return Promise.reject(err instanceof Error ? err : new Error(String(err)));
    }
  }

  #applySync(writes: readonly StoreWrite[]): void {
    for (const w of writes) {
      switch (w.kind) {
        case 'node':
          this.#nodes.set(w.node.id, structuredClone(w.node));
          break;
        case 'deleteNode':
          this.#nodes.delete(w.id);
          break;
        case 'lastSeen':
          for (const [id, t] of w.entries) {
            const n = this.#nodes.get(id);
            if (n) n.lastSeen = t;
          }
          break;
        case 'keyIndex':
          if (w.nodeId === undefined) this.#keyIndex.delete(w.publicKey);
          else this.#keyIndex.set(w.publicKey, w.nodeId);
          break;
        case 'ownerIndex':
          if (w.nodeId === undefined) this.#ownerIndex.delete(w.owner);
          else this.#ownerIndex.set(w.owner, w.nodeId);
          break;
        case 'trust':
          if (w.present) this.#trust.add(w.pair);
          else this.#trust.delete(w.pair);
          break;
        case 'network':
          this.#networks.set(w.network.id, structuredClone(w.network));
          break;
        case 'deleteNetwork':
          this.#networks.delete(w.id);
          break;
        case 'inbox':
          if (w.inbox === undefined) this.#inboxes.delete(w.nodeId);
          else this.#inboxes.set(w.nodeId, structuredClone(w.inbox));
          break;
        case 'meta':
          this.#meta.set(w.key, w.value);
          break;
        case 'audit':
          this.#audit.push(structuredClone(w.entry));
          if (this.#audit.length > AUDIT_KEEP)
            this.#audit.splice(0, this.#audit.length - AUDIT_KEEP);
          break;
      }
    }
  }

  /** Nothing to release. */
  close(): void {}
}
