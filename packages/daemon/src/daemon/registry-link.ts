import { isRegistryClientError } from '@mesh/registry-client';
import type { EventBus } from '../events/event-bus.js';

/** Bus topics of the registry connection state (see README "Events"). */
export const REGISTRY_EVENTS = Object.freeze({
  connected: 'registry.connected',
  disconnected: 'registry.disconnected',
  reconnected: 'registry.reconnected',
} as const);

/**
 * Tracks whether the registry is reachable from the outcomes of the engine's registry calls and
 * publishes the transitions, so a control plane can show connection events without parsing logs:
 * `registry.connected` once (first registration), `registry.disconnected {reason}` when a call
 * fails at the transport level, `registry.reconnected {reason, lost_reason, down_ms}` on the
 * next answer. An error answer (`REMOTE`) still proves the connection is up.
 */
export class RegistryLink {
  readonly #bus: EventBus;
  readonly #registry: string;
  #up: boolean | undefined;
  #downSince = 0;
  #lostReason = '';

  /**
   * @param bus where transitions are published
   * @param registry the registry address (`host:port`) carried in every event
   */
  constructor(bus: EventBus, registry: string) {
    this.#bus = bus;
    this.#registry = registry;
  }

  /** Whether the last registry call got an answer (`undefined` before the first). */
  get up(): boolean | undefined {
    return this.#up;
  }

  /**
   * Runs one registry call and records what its outcome says about the connection.
   * @param call the call
   * @param what a short name for the event's `reason` (`heartbeat`, `register`, `lookup` …)
   * @returns the call's result (errors are rethrown)
   */
  async track<T>(call: Promise<T>, what: string): Promise<T> {
    try {
      const result = await call;
      this.reached(what);
      return result;
    } catch (error) {
      if (isRegistryClientError(error) && error.code === 'REMOTE') this.reached(what);
      else if (
        isRegistryClientError(error) &&
        (error.code === 'TRANSPORT' || error.code === 'TIMEOUT')
      ) {
        this.lost(`${what}: ${error.message}`);
      }
      throw error;
    }
  }

  /**
   * The registry answered.
   * @param reason what answered (`register`, `heartbeat` …)
   */
  reached(reason: string): void {
    const before = this.#up;
    this.#up = true;
    if (before === undefined) {
      this.#bus.publish(REGISTRY_EVENTS.connected, { registry: this.#registry, reason });
    } else if (!before) {
      this.#bus.publish(REGISTRY_EVENTS.reconnected, {
        registry: this.#registry,
        reason,
        lost_reason: this.#lostReason,
        down_ms: Date.now() - this.#downSince,
      });
    }
  }

  /**
   * The connection to the registry was lost.
   * @param reason why (error text)
   */
  lost(reason: string): void {
    if (this.#up !== true) return;
    this.#up = false;
    this.#downSince = Date.now();
    this.#lostReason = reason;
    this.#bus.publish(REGISTRY_EVENTS.disconnected, { registry: this.#registry, reason });
  }
}
