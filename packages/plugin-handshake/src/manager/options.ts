/** Tunables of the handshake service; the defaults are the reference values. */
export interface HandshakeOptions {
  /**
   * How often the registry relay inbox is polled, ms (the reference polls on each heartbeat;
   * the engine's default heartbeat is 60 s).
   * @defaultValue 60000, or `MESH_HANDSHAKE_POLL_INTERVAL_MS` from the environment
   */
  readonly pollIntervalMs?: number;
  /** Poll interval while an own request is unanswered, ms. @defaultValue 2000 */
  readonly fastPollIntervalMs?: number;
  /** How long after an own relayed request the fast polling lasts, ms. @defaultValue 120000 */
  readonly fastPollWindowMs?: number;
  /** Deadline for a direct port-444 dial and write, ms. @defaultValue 8000 */
  readonly dialTimeoutMs?: number;
  /** How long a receiver waits for the message on an accepted stream, ms. @defaultValue 10000 */
  readonly receiveTimeoutMs?: number;
  /** Post-revoke cooldown, ms. @defaultValue 300000 */
  readonly revokeCooldownMs?: number;
  /** Most pending requests. @defaultValue 256 */
  readonly maxPending?: number;
  /** Most pending requests delivered by one source node. @defaultValue 16 */
  readonly maxPendingPerSource?: number;
  /** Replay-set capacity. @defaultValue 8192 */
  readonly maxReplayEntries?: number;
  /** Messages one source may send at once on port 444 before it is rate-limited. @defaultValue 20 */
  readonly sourceBurst?: number;
  /** One more message per source every this many ms. @defaultValue 1000 */
  readonly sourceRefillMs?: number;
  /** Port-444 streams handled at the same time; more are closed at once. @defaultValue 64 */
  readonly maxConcurrentStreams?: number;
  /** The clock, Unix ms (tests). @defaultValue Date.now */
  readonly now?: () => number;
}

/** {@link HandshakeOptions} with every default filled in. */
export type ResolvedHandshakeOptions = Required<HandshakeOptions>;

/**
 * Fills in defaults.
 * @param options - what the caller set.
 * @param env - the environment (for `MESH_HANDSHAKE_POLL_INTERVAL_MS`).
 * @returns complete options.
 */
export function resolveHandshakeOptions(
  options: HandshakeOptions = {},
  env: Readonly<Record<string, string | undefined>> = process.env,
): ResolvedHandshakeOptions {
  const fromEnv = Number(env['MESH_HANDSHAKE_POLL_INTERVAL_MS']);
  return {
    pollIntervalMs:
      options.pollIntervalMs ?? (Number.isInteger(fromEnv) && fromEnv > 0 ? fromEnv : 60_000),
    fastPollIntervalMs: options.fastPollIntervalMs ?? 2000,
    fastPollWindowMs: options.fastPollWindowMs ?? 120_000,
    dialTimeoutMs: options.dialTimeoutMs ?? 8000,
    receiveTimeoutMs: options.receiveTimeoutMs ?? 10_000,
    revokeCooldownMs: options.revokeCooldownMs ?? 300_000,
    maxPending: options.maxPending ?? 256,
    maxPendingPerSource: options.maxPendingPerSource ?? 16,
    maxReplayEntries: options.maxReplayEntries ?? 8192,
    sourceBurst: options.sourceBurst ?? 20,
    sourceRefillMs: options.sourceRefillMs ?? 1000,
    maxConcurrentStreams: options.maxConcurrentStreams ?? 64,
    now: options.now ?? Date.now,
  };
}
