// Turns engine events into registry/beacon connection-state records for `diag`.
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
  #sub: { close(): void } | undefined;

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
   * Follows the engine's bus until {@link stop}.
   * @param bus - the engine's event bus.
   */
  follow(bus: BusView): void {
    const sub = bus.subscribe('node.*');
    this.#sub = sub;
    void (async () => {
      for await (const ev of sub) {
        if (ev.topic === 'node.registered') this.record('connect', 'registry');
        else if (ev.topic === 'node.reregistered')
          this.record('reconnect', 'registry', 're-registered after heartbeat failures');
        else if (ev.topic === 'node.deregistered')
          this.record('closed', 'registry', 'daemon stopping');
      }
    })().catch(() => {
      // A failing subscription only ends the monitoring; it must never take the daemon down.
    });
  }

  /** Notes a failed heartbeat (from the engine's log line or a wake probe). */
  heartbeatFailed(reason: string): void {
    if (this.state('registry') !== 'disconnected') this.record('disconnect', 'registry', reason);
  }

  /** Notes a heartbeat that worked after a failure. */
  heartbeatOk(): void {
    if (this.state('registry') === 'disconnected') this.record('reconnect', 'registry');
  }

  /** Stops following the bus. */
  stop(): void {
    this.#sub?.close();
    this.#sub = undefined;
  }
}
