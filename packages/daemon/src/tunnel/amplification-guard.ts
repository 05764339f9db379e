// Anti-amplification: a reply to traffic nobody has authenticated yet (a key exchange, a sealed
// frame of an unknown session) never carries more bytes than its source sent us recently, so a
// forged source address cannot turn this node into an amplifier (QUIC's rule, RFC 9000 §8.1).

interface Window {
  start: number;
  received: number;
  sent: number;
}

/** Options of {@link AmplificationGuard}. */
export interface AmplificationGuardOptions {
  /** Length of the accounting window, ms. @default 10000 */
  readonly windowMs?: number;
  /** Source addresses tracked at once (the oldest is forgotten first). @default 4096 */
  readonly maxSources?: number;
}

/** Per-source-address byte accounting of unauthenticated replies. */
export class AmplificationGuard {
  readonly #windowMs: number;
  readonly #maxSources: number;
  readonly #sources = new Map<string, Window>();

  /**
   * @param options window length and tracked sources
   */
  constructor(options: AmplificationGuardOptions = {}) {
    this.#windowMs = options.windowMs ?? 10_000;
    this.#maxSources = options.maxSources ?? 4096;
  }

  /**
   * Counts bytes received from an address.
   * @param address the source IP
   * @param bytes datagram size
   * @param now current time, ms
   */
  received(address: string, bytes: number, now: number): void {
    this.#window(address, now).received += bytes;
  }

  /**
   * Charges a reply to an address when it stays within what the address sent in the window.
   * @param address the destination IP
   * @param bytes reply size
   * @param now current time, ms
   * @returns whether the reply may be sent (and was charged)
   */
  tryReply(address: string, bytes: number, now: number): boolean {
    const w = this.#window(address, now);
    if (w.sent + bytes > w.received) return false;
    w.sent += bytes;
    return true;
  }

  #window(address: string, now: number): Window {
    let w = this.#sources.get(address);
    if (w !== undefined && now - w.start >= this.#windowMs) {
      this.#sources.delete(address);
      w = undefined;
    }
    if (w === undefined) {
      if (this.#sources.size >= this.#maxSources) {
        const oldest = this.#sources.keys().next().value;
        if (oldest !== undefined) this.#sources.delete(oldest);
      }
      w = { start: now, received: 0, sent: 0 };
      this.#sources.set(address, w);
    }
    return w;
  }
}
