// Bounds on inbound key exchanges waiting for the registry: per source first, so one flooding
// source cannot use up the global budget honest peers need, then globally.

/** What the registry says about a key-exchange sender. */
export type RegistryAnswer =
  /** The node has this Ed25519 key: only an exchange signed by it is accepted. */
  | { readonly kind: 'key'; readonly key: Uint8Array }
  /** The registry knows no key for the node: an anonymous (`PILK`) exchange may be accepted. */
  | { readonly kind: 'unknown' }
  /** No answer (registry down, lookup failed, lookups saturated): refuse for now. */
  | { readonly kind: 'unavailable' };

/** Options of {@link KeyExchangeAdmission}. */
export interface KeyExchangeAdmissionOptions {
  /** Key exchanges in flight per source address. @default 8 */
  readonly perSource?: number;
  /** Distinct claimed node ids in flight overall. @default 1024 */
  readonly maxIds?: number;
}

/** Counts key exchanges in flight (received, waiting for the registry or their turn). */
export class KeyExchangeAdmission {
  readonly #perSource: number;
  readonly #maxIds: number;
  readonly #sources = new Map<string, number>();
  readonly #ids = new Map<number, number>();

  /**
   * @param options the limits
   */
  constructor(options: KeyExchangeAdmissionOptions = {}) {
    this.#perSource = options.perSource ?? 8;
    this.#maxIds = options.maxIds ?? 1024;
  }

  /**
   * Admits one key exchange: the source's own limit is charged first, then the global one.
   * @param source the source address (or a relay key)
   * @param nodeId the claimed sender
   * @returns whether it may proceed; call {@link end} once done when `true`
   */
  tryBegin(source: string, nodeId: number): boolean {
    const fromSource = this.#sources.get(source) ?? 0;
    if (fromSource >= this.#perSource) return false;
    const forId = this.#ids.get(nodeId) ?? 0;
    if (forId === 0 && this.#ids.size >= this.#maxIds) return false;
    this.#sources.set(source, fromSource + 1);
    this.#ids.set(nodeId, forId + 1);
    return true;
  }

  /**
   * Releases what {@link tryBegin} charged.
   * @param source the same source
   * @param nodeId the same node id
   */
  end(source: string, nodeId: number): void {
    const s = (this.#sources.get(source) ?? 1) - 1;
    if (s <= 0) this.#sources.delete(source);
    else this.#sources.set(source, s);
    const n = (this.#ids.get(nodeId) ?? 1) - 1;
    if (n <= 0) this.#ids.delete(nodeId);
    else this.#ids.set(nodeId, n);
  }
}
