import type { RegistryCore } from '../state/registry-core.js';

const BUCKETS = [
  0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1,
];

interface Histogram {
  counts: number[];
  sum: number;
  count: number;
}

/** Connection-level figures the server passes to {@link RegistryMetrics.render}. */
export interface ConnectionFigures {
  /** Connections the server currently does not read from (unread answers, queued requests). */
  readonly readPaused: number;
  /** Bytes of received, not yet handled requests across all connections. */
  readonly bufferedBytes: number;
}

/** Request counters and latency histograms, rendered in the Prometheus text format. */
export class RegistryMetrics {
  readonly #requests = new Map<string, number>();
  readonly #errors = new Map<string, number>();
  readonly #latency = new Map<string, Histogram>();
  readonly #startedAt: number;

  constructor(now: number) {
    this.#startedAt = now;
  }

  /** Records one request of `type` that took `seconds`. */
  observe(type: string, seconds: number, failed: boolean): void {
    this.#requests.set(type, (this.#requests.get(type) ?? 0) + 1);
    if (failed) this.#errors.set(type, (this.#errors.get(type) ?? 0) + 1);
    let h = this.#latency.get(type);
    if (!h) {
      h = { counts: new Array<number>(BUCKETS.length).fill(0), sum: 0, count: 0 };
      this.#latency.set(type, h);
    }
    for (let i = 0; i < BUCKETS.length; i++) if (seconds <= BUCKETS[i]) h.counts[i]++;
    h.sum += seconds;
    h.count++;
  }

  /** Total requests seen. */
  get totalRequests(): number {
    let t = 0;
    for (const v of this.#requests.values()) t += v;
    return t;
  }

  /** The `/metrics` body. */
  render(
    core: RegistryCore,
    now: number,
    onlineWindowMs: number,
    connections: ConnectionFigures = { readPaused: 0, bufferedBytes: 0 },
  ): string {
    const out: string[] = [];
    const family = (name: string, type: string, help: string): void => {
      out.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`);
    };
    family('pilot_requests_total', 'counter', 'Requests handled, by message type.');
    for (const [t, v] of this.#requests) out.push(`pilot_requests_total{type="${t}"} ${v}`);
    family('pilot_errors_total', 'counter', 'Requests answered with an error, by message type.');
    for (const [t, v] of this.#errors) out.push(`pilot_errors_total{type="${t}"} ${v}`);
    family(
      'pilot_request_duration_seconds',
      'histogram',
      'Request handling time, by message type.',
    );
    for (const [t, h] of this.#latency) {
      BUCKETS.forEach((b, i) =>
        out.push(`pilot_request_duration_seconds_bucket{type="${t}",le="${b}"} ${h.counts[i]}`),
      );
      out.push(`pilot_request_duration_seconds_bucket{type="${t}",le="+Inf"} ${h.count}`);
      out.push(`pilot_request_duration_seconds_sum{type="${t}"} ${h.sum}`);
      out.push(`pilot_request_duration_seconds_count{type="${t}"} ${h.count}`);
    }
    let online = 0;
    let executors = 0;
    for (const n of core.nodes.values()) {
      if (now - n.lastSeen <= onlineWindowMs) online++;
      if (n.taskExec) executors++;
    }
    const gauge = (name: string, help: string, value: number): void => {
      family(name, 'gauge', help);
      out.push(`${name} ${value}`);
    };
    const counter = (name: string, help: string, value: number): void => {
      family(name, 'counter', help);
      out.push(`${name} ${value}`);
    };
    gauge('pilot_nodes_online', 'Nodes seen within the online window.', online);
    gauge('pilot_nodes_total', 'Registered nodes.', core.nodes.size);
    gauge('pilot_trust_links', 'Trust pairs.', core.trust.size);
    gauge('pilot_task_executors', 'Nodes accepting tasks.', executors);
    gauge(
      'pilot_uptime_seconds',
      'Seconds since the registry started.',
      Math.floor((now - this.#startedAt) / 1000),
    );
    gauge(
      'pilot_connections_read_paused',
      'Connections not read from: their answers are unread or too many requests are queued.',
      connections.readPaused,
    );
    gauge(
      'pilot_request_bytes_buffered',
      'Bytes of received requests not yet handled, all connections together.',
      connections.bufferedBytes,
    );
    counter('pilot_registrations_total', 'Successful registrations.', core.counters.registrations);
    counter('pilot_deregistrations_total', 'Deregistrations.', core.counters.deregistrations);
    counter('pilot_trust_reports_total', 'Trust reports.', core.counters.trustReports);
    counter('pilot_trust_revocations_total', 'Trust revocations.', core.counters.trustRevocations);
    counter(
      'pilot_handshake_requests_total',
      'Relayed handshake requests.',
      core.counters.handshakeRequests,
    );
    counter('pilot_nodes_reaped_total', 'Nodes removed as stale.', core.counters.reaped);
    return `${out.join('\n')}\n`;
  }
}
