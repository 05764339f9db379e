// Turns engine events into registry/beacon connection-state records for `diag`.
import { REGISTRY_EVENTS } from '@mesh/daemon';
import type { ConnectionEventLog, ConnectionEventType } from '../lifecycle/event-log.js';
import type { LinkStates } from '../ipc/handlers/plugins.js';

/** The event-bus view the monitor needs. */
export interface BusView {
  /** Subscribes to topics matching `pattern`. */
  subscribe(pattern: string): AsyncIterable<{
    readonly topic: string;
    readonly payload: Readonly<Record<string, unknown>>;
  }> & { close(): void };
}

function text(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

// `heartbeat after 4200 ms down (lost: heartbeat: timeout)`: what answered, how long it was down, why.
function reconnectReason(payload: Readonly<Record<string, unknown>>): string | undefined {
  const parts = [text(payload['reason'])];
  if (typeof payload['down_ms'] === 'number') parts.push(`after ${payload['down_ms']} ms down`);
  const lost = text(payload['lost_reason']);
  if (lost !== undefined) parts.push(`(lost: ${lost})`);
  const joined = parts.filter((p) => p !== undefined).join(' ');
  return joined === '' ? undefined : joined;
}

const STATE_OF: Record<ConnectionEventType, string | undefined> = {
  connect: 'connected',
  reconnect: 'connected',
  disconnect: 'disconnected',
  closed: 'closed',
  wake: undefined,
  reload: undefined,
  daemon_start: undefined,
  daemon_stop: undefined,
};

/**
 * Records link events into the {@link ConnectionEventLog} and keeps the current state per link
 * (the `diag` summary and `info.registry_state`).
 */
export class LinkMonitor implements LinkStates {
  readonly #log: ConnectionEventLog;
  readonly #states = new Map<string, { state: string; since: string }>();
  readonly #subs: { close(): void }[] = [];

  /** @param log - where events go. */
  constructor(log: ConnectionEventLog) {
    this.#log = log;
  }

  /**
   * Records one event and updates the link's state.
   * @param type - what happened.
   * @param link - `registry`, `beacon` or `daemon`.
   * @param reason - why.
   */
  record(type: ConnectionEventType, link: string, reason?: string): void {
    const rec = this.#log.append(type, link, reason);
    const state = STATE_OF[type];
    if (state !== undefined && this.#states.get(link)?.state !== state)
      this.#states.set(link, { state, since: rec.at });
  }

  /**
   * @param link - a link name.
   * @returns its state, `connecting` before any event.
   */
  state(link: string): string {
    return this.#states.get(link)?.state ?? 'connecting';
  }

  /** @returns every link's state and since time. */
  snapshot(): Record<string, { state: string; since: string }> {
    return Object.fromEntries(this.#states);
  }

  /**
   * Follows the engine's bus until {@link stop}: `registry.connected`, `registry.disconnected`
   * and `registry.reconnected` (the engine's own view of the registry link) and
   * `node.deregistered` (a graceful stop).
   * @param bus - the engine's event bus.
   */
  follow(bus: BusView): void {
    this.#watch(bus, 'registry.*', (topic, payload) => {
      const reason = text(payload['reason']);
      if (topic === REGISTRY_EVENTS.connected) this.record('connect', 'registry', reason);
      else if (topic === REGISTRY_EVENTS.disconnected)
        this.record('disconnect', 'registry', reason);
      else if (topic === REGISTRY_EVENTS.reconnected)
        this.record('reconnect', 'registry', reconnectReason(payload));
    });
    this.#watch(bus, 'node.deregistered', () =>
      this.record('closed', 'registry', 'daemon stopping'),
    );
  }

  #watch(
    bus: BusView,
    pattern: string,
    on: (topic: string, payload: Readonly<Record<string, unknown>>) => void,
  ): void {
    const sub = bus.subscribe(pattern);
    this.#subs.push(sub);
    void (async () => {
      for await (const ev of sub) on(ev.topic, ev.payload);
    })().catch(() => {
      // A failing subscription only ends the monitoring; it must never take the daemon down.
    });
  }

  /** Stops following the bus. */
  stop(): void {
    for (const sub of this.#subs.splice(0)) sub.close();
  }
}
