/** Dispatcher counters of the webhook plugin, shown by `info`. */
export interface WebhookStats {
  /** Events dropped because the delivery queue was full. */
  readonly dropped: number;
  /** Deliveries skipped while the circuit breaker was open. */
  readonly circuitSkips: number;
  /** Events delivered (a 2xx answer). */
  readonly delivered: number;
  /** Events given up on after their last attempt (network error, 5xx or 4xx). */
  readonly failed: number;
}

/** The daemon-facing surface of the webhook plugin. */
export interface WebhookManager {
  /** Hot-swaps the target URL; an empty string disables delivery. */
  setUrl(url: string): void;
  /** Current counters; all zero when no URL is configured. */
  stats(): WebhookStats;
}
