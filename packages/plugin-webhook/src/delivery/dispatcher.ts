// The delivery engine: a bounded in-order queue, retries with doubling backoff and a breaker.
import type { Event, Logger, WebhookStats } from '@mesh/daemonapi';
import { noopLogger } from '@mesh/daemonapi';
import {
  EVENT_HEADER,
  EVENT_ID_HEADER,
  SIGNATURE_HEADER,
  TIMESTAMP_HEADER,
  signWebhook,
} from '../signing/signature.js';
import { checkWebhookUrl, guardedLookup } from '../url/url-policy.js';
import type { LookupFunction } from '../url/url-policy.js';
import { CircuitBreaker } from './breaker.js';
import type { BreakerState } from './breaker.js';
import { postJson } from './post.js';

/** The JSON body of one delivery (reference §E.4 plus `event_id`). */
export interface WebhookBody {
  /** The topic, e.g. `conn.established`. */
  readonly event: string;
  /** Per-run sequence number starting at 1; a gap means events were dropped. */
  readonly event_id: number;
  /** The publishing node. */
  readonly node_id: number;
  /** Publication time, RFC 3339 UTC with milliseconds. */
  readonly timestamp: string;
  /** The event payload. */
  readonly data: Readonly<Record<string, unknown>>;
}

/** Options of {@link WebhookDispatcher}; every timing is injectable so tests run fast. */
export interface WebhookDispatcherOptions {
  /** Events waiting for delivery before new ones are dropped. @defaultValue 1024 */
  readonly queueSize?: number;
  /** Attempts per event. @defaultValue 3 */
  readonly maxAttempts?: number;
  /** Wait before the second attempt, doubled for each further one, ms. @defaultValue 1000 */
  readonly backoffBaseMs?: number;
  /** Per-attempt deadline, ms. @defaultValue 5000 */
  readonly timeoutMs?: number;
  /** Consecutive failed events that open the breaker. @defaultValue 5 */
  readonly breakerThreshold?: number;
  /** How long the open breaker skips deliveries, ms. @defaultValue 30 000 */
  readonly breakerWindowMs?: number;
  /** Clock for the breaker and timestamps, ms. @defaultValue Date.now */
  readonly now?: () => number;
  /** DNS lookup before forbidden addresses are filtered (tests inject one). @defaultValue dns.lookup */
  readonly lookup?: LookupFunction;
  /** Where delivery problems are reported. */
  readonly logger?: Logger;
}

/** Everything `webhook.status` shows. */
export interface WebhookStatus {
  /** Target URL, `''` when delivery is off. */
  readonly url: string;
  /** Topic allow-list; empty forwards every topic. */
  readonly topics: readonly string[];
  /** Whether bodies are signed. */
  readonly signed: boolean;
  /** Events waiting. */
  readonly queued: number;
  /** Breaker state. */
  readonly breaker: BreakerState;
  /** Counters. */
  readonly stats: WebhookStats;
}

const ZERO: WebhookStats = Object.freeze({ dropped: 0, circuitSkips: 0, delivered: 0, failed: 0 });

/** Resolves after `ms` or as soon as `signal` aborts, whichever comes first. */
function delay(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const timer = setTimeout(done, ms);
    /** Settles the delay once. */
    function done(): void {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}

/**
 * Delivers events to one URL, in order, one at a time. {@link enqueue} never blocks: a full
 * queue drops the event and counts it. Network errors and 5xx answers are retried with doubling
 * backoff; a 4xx answer is final (the receiver is up but refuses the event). After
 * `breakerThreshold` consecutive failed events the breaker skips deliveries for
 * `breakerWindowMs`, then lets one probe through.
 */
export class WebhookDispatcher {
  readonly #queueSize: number;
  readonly #maxAttempts: number;
  readonly #backoffBaseMs: number;
  readonly #timeoutMs: number;
  readonly #now: () => number;
  readonly #lookup: LookupFunction;
  readonly #log: Logger;
  readonly #breaker: CircuitBreaker;
  #url: URL | undefined;
  #secret = '';
  #topics = new Set<string>();
  #queue: { body: WebhookBody; topic: string }[] = [];
  #nextId = 1;
  #running = false;
  #closed = false;
  #abort = new AbortController();
  #idle: (() => void)[] = [];
  #stats = { dropped: 0, circuitSkips: 0, delivered: 0, failed: 0 };

  /** @param options - queue size, timings, clock, lookup, logger. */
  constructor(options: WebhookDispatcherOptions = {}) {
    this.#queueSize = options.queueSize ?? 1024;
    this.#maxAttempts = options.maxAttempts ?? 3;
    this.#backoffBaseMs = options.backoffBaseMs ?? 1000;
    this.#timeoutMs = options.timeoutMs ?? 5000;
    this.#now = options.now ?? Date.now;
    this.#lookup = guardedLookup(options.lookup);
    this.#log = options.logger ?? noopLogger;
    this.#breaker = new CircuitBreaker({
      threshold: options.breakerThreshold ?? 5,
      windowMs: options.breakerWindowMs ?? 30_000,
      now: this.#now,
    });
  }

  /** The target URL, `''` when delivery is off. */
  get url(): string {
    return this.#url?.href ?? '';
  }

  /**
   * Hot-swaps the target. Queued events go to the new URL; `''` turns delivery off and discards
   * the queue. The breaker starts closed for a new URL.
   * @param url - an http(s) URL or `''`.
   * @throws WebhookError when the URL is not allowed (see `checkWebhookUrl`).
   */
  setUrl(url: string): void {
    const checked = checkWebhookUrl(url);
    if (checked === this.url) return;
    this.#url = checked === '' ? undefined : new URL(checked);
    this.#breaker.reset();
    if (this.#url === undefined) this.#queue = [];
    else this.#kick();
  }

  /** @param secret - the HMAC secret; `''` sends unsigned bodies. */
  setSecret(secret: string): void {
    this.#secret = secret;
  }

  /** The topic allow-list (exact topic names); empty forwards every topic. */
  get topics(): readonly string[] {
    return [...this.#topics].sort();
  }

  /** @param topics - exact topic names to forward; empty forwards every topic. */
  setTopics(topics: readonly string[]): void {
    this.#topics = new Set(topics);
  }

  /**
   * Queues one bus event for delivery. Never blocks and never throws.
   * @param event - the event.
   * @returns false when it was not queued (delivery off, topic not allowed, closed, or full).
   */
  enqueue(event: Event): boolean {
    if (this.#url === undefined || this.#closed) return false;
    if (this.#topics.size > 0 && !this.#topics.has(event.topic)) return false;
    const body: WebhookBody = {
      event: event.topic,
      event_id: this.#nextId++,
      node_id: event.nodeId,
      timestamp: new Date(event.time).toISOString(),
      data: event.payload,
    };
    if (this.#queue.length >= this.#queueSize) {
      this.#stats.dropped += 1;
      return false;
    }
    this.#queue.push({ body, topic: event.topic });
    this.#kick();
    return true;
  }

  /** Counters; all zero when no URL is configured. */
  stats(): WebhookStats {
    return this.#url === undefined ? ZERO : { ...this.#stats };
  }

  /** URL, topics, queue length, breaker and counters. */
  status(): WebhookStatus {
    return {
      url: this.url,
      topics: this.topics,
      signed: this.#secret !== '',
      queued: this.#queue.length,
      breaker: this.#breaker.state,
      stats: this.stats(),
    };
  }

  /**
   * Stops accepting events and delivers what is queued until `deadlineMs` passes; then aborts
   * the attempt in flight and drops (and counts) the rest. Idempotent.
   * @param deadlineMs - how long draining may take.
   * @param signal - aborts the drain early (the plugin's shutdown signal).
   */
  async drain(deadlineMs: number, signal?: AbortSignal): Promise<void> {
    this.#closed = true;
    if (this.#running) {
      const idle = new Promise<void>((resolve) => this.#idle.push(resolve));
      const stop = new AbortController();
      const onAbort = (): void => stop.abort();
      signal?.addEventListener('abort', onAbort, { once: true });
      await Promise.race([idle, delay(deadlineMs, stop.signal)]);
      stop.abort();
      signal?.removeEventListener('abort', onAbort);
    }
    this.#stats.dropped += this.#queue.length;
    this.#queue = [];
    this.#abort.abort();
  }

  #kick(): void {
    if (this.#running || this.#queue.length === 0 || this.#url === undefined) return;
    this.#running = true;
    void this.#loop();
  }

  async #loop(): Promise<void> {
    try {
      for (;;) {
        const next = this.#queue.shift();
        const url = this.#url;
        if (next === undefined || url === undefined || this.#abort.signal.aborted) break;
        await this.#deliver(url, next.body);
      }
    } finally {
      this.#running = false;
      for (const resolve of this.#idle.splice(0)) resolve();
    }
  }

  async #deliver(url: URL, body: WebhookBody): Promise<void> {
    if (!this.#breaker.allow()) {
      this.#stats.circuitSkips += 1;
      return;
    }
    const text = JSON.stringify(body);
    for (let attempt = 1; ; attempt++) {
      const headers: Record<string, string> = {
        [EVENT_HEADER]: body.event,
        [EVENT_ID_HEADER]: String(body.event_id),
      };
      if (this.#secret !== '') {
        const ts = Math.floor(this.#now() / 1000);
        headers[TIMESTAMP_HEADER] = String(ts);
        headers[SIGNATURE_HEADER] = signWebhook(this.#secret, ts, text);
      }
      const outcome = await postJson(url, text, headers, {
        timeoutMs: this.#timeoutMs,
        lookup: this.#lookup,
        signal: this.#abort.signal,
      });
      if (outcome.kind === 'status' && outcome.status >= 200 && outcome.status < 300) {
        this.#stats.delivered += 1;
        this.#breaker.success();
        return;
      }
      if (outcome.kind === 'status' && outcome.status >= 300 && outcome.status < 500) {
        // The receiver is up and refused this event: retrying cannot help.
        this.#stats.failed += 1;
        this.#breaker.success();
        this.#log.warn('webhook receiver refused an event', {
          status: outcome.status,
          event: body.event,
          event_id: body.event_id,
        });
        return;
      }
      const final =
        attempt >= this.#maxAttempts ||
        this.#abort.signal.aborted ||
        (outcome.kind === 'error' && outcome.forbidden);
      if (final) {
        this.#stats.failed += 1;
        this.#breaker.failure();
        this.#log.warn('webhook delivery failed', {
          event: body.event,
          event_id: body.event_id,
          attempts: attempt,
          error: outcome.kind === 'error' ? outcome.error.message : `HTTP ${outcome.status}`,
        });
        return;
      }
      await delay(this.#backoffBaseMs * 2 ** (attempt - 1), this.#abort.signal);
    }
  }
}
