// Keeps a JWT credential fresh: refresh at exp − skew, retry transient failures with backoff,
// stop on an unauthorized answer, and refresh at once when asked after a wake from sleep.
import { NatsPluginError } from '../errors.js';
import { credentialExpiry } from './credentials.js';
import type { NatsCredential } from './credentials.js';
import type { Refresher } from './https-refresher.js';

/** Where the loop stands. */
export type RefreshState = 'idle' | 'scheduled' | 'refreshing' | 'unauthorized' | 'stopped';

/** Options of {@link RefreshLoop}. */
export interface RefreshLoopOptions {
  /** Fetches a fresh credential. */
  readonly refresher: Refresher;
  /** Refresh this long before `exp`, ms. @defaultValue 30 000 */
  readonly skewMs?: number;
  /** First retry delay after a transient failure, doubled each time, ms. @defaultValue 1000 */
  readonly backoffBaseMs?: number;
  /** Longest retry delay, ms. @defaultValue 30 000 */
  readonly backoffMaxMs?: number;
  /** Wall clock, ms. @defaultValue Date.now */
  readonly now?: () => number;
  /** A fresh credential is in place (persist it, reconnect early). Errors are reported, not thrown. */
  readonly onRefreshed?: (credential: NatsCredential) => void | Promise<void>;
  /** A refresh failed (transient; the loop retries). */
  readonly onError?: (error: Error) => void;
  /** The endpoint refused the bearer: the loop has stopped. */
  readonly onUnauthorized?: (error: Error) => void;
}

/** Whether a refresh failure is the endpoint refusing the bearer (final). */
function isUnauthorized(err: unknown): boolean {
  return (err as { code?: unknown }).code === 'NATS_REFRESH_UNAUTHORIZED';
}

/**
 * One credential and its refresh timer. {@link current} is read lazily by the NATS
 * authenticator, so every (re)connect uses the newest credential.
 */
export class RefreshLoop {
  readonly #opts: RefreshLoopOptions;
  readonly #now: () => number;
  readonly #skew: number;
  #current: NatsCredential | undefined;
  #timer: NodeJS.Timeout | undefined;
  #inflight: Promise<NatsCredential> | undefined;
  #failures = 0;
  #state: RefreshState = 'idle';
  #lastRefreshAt = 0;
  #nextDueAt: number | undefined;

  /** @param options - refresher, timings and hooks. */
  constructor(options: RefreshLoopOptions) {
    this.#opts = options;
    this.#now = options.now ?? Date.now;
    this.#skew = options.skewMs ?? 30_000;
  }

  /** The newest credential. */
  current(): NatsCredential | undefined {
    return this.#current;
  }

  /** The loop's state. */
  get state(): RefreshState {
    return this.#state;
  }

  /** When the last refresh succeeded (Unix ms, 0 before the first). */
  get lastRefreshAt(): number {
    return this.#lastRefreshAt;
  }

  /** When the next refresh is scheduled (Unix ms), if any. */
  get nextDueAt(): number | undefined {
    return this.#nextDueAt;
  }

  /**
   * Starts watching `credential`: a JWT is refreshed `skewMs` before its `exp`; a token or a
   * JWT without `exp` is kept as it is.
   * @param credential - the initial credential.
   */
  start(credential: NatsCredential): void {
    this.#current = credential;
    this.#state = 'idle';
    this.#schedule();
  }

  /** Stops the timer. Idempotent. */
  stop(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#nextDueAt = undefined;
    if (this.#state !== 'unauthorized') this.#state = 'stopped';
  }

  /** Whether the credential is inside its refresh window at `now`. */
  isDue(now = this.#now()): boolean {
    const exp = this.#current === undefined ? undefined : credentialExpiry(this.#current);
    return exp !== undefined && now >= exp * 1000 - this.#skew;
  }

  /**
   * Refreshes synchronously when the credential is already inside its window: after a wake
   * from sleep the timer may not have fired yet, but the next connect must not use an expired
   * JWT.
   * @param now - the wall clock, ms.
   * @returns true when it refreshed, false when nothing was due (or the loop is stopped).
   * @throws NatsPluginError when the refresh failed (the loop keeps retrying unless unauthorized).
   */
  async refreshNowIfDue(now = this.#now()): Promise<boolean> {
    if (this.#state === 'stopped' || this.#state === 'unauthorized') return false;
    if (!this.isDue(now)) return false;
    await this.#refresh();
    return true;
  }

  // A method (not an inline comparison) because stop() may change the state across an await.
  #halted(): boolean {
    return this.#state === 'stopped';
  }

  #schedule(delayMs?: number): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#nextDueAt = undefined;
    if (this.#state === 'stopped' || this.#state === 'unauthorized') return;
    let delay = delayMs;
    if (delay === undefined) {
      const exp = this.#current === undefined ? undefined : credentialExpiry(this.#current);
      if (exp === undefined) return;
      delay = Math.max(100, exp * 1000 - this.#skew - this.#now());
    }
    this.#state = 'scheduled';
    this.#nextDueAt = this.#now() + delay;
    this.#timer = setTimeout(() => {
      this.#refresh().catch(() => {
        // Reported through onError / onUnauthorized; the retry is already scheduled.
      });
    }, delay);
    this.#timer.unref();
  }

  // Single flight: a timer refresh and a refreshNowIfDue never run two requests at once.
  #refresh(): Promise<NatsCredential> {
    this.#inflight ??= (async () => {
      this.#state = 'refreshing';
      clearTimeout(this.#timer);
      try {
        const next = await this.#opts.refresher(this.#current);
        if (this.#halted()) return next;
        this.#current = next;
        this.#failures = 0;
        this.#lastRefreshAt = this.#now();
        try {
          await this.#opts.onRefreshed?.(next);
        } catch (err) {
          this.#opts.onError?.(err instanceof Error ? err : new Error(String(err)));
        }
        this.#state = 'idle';
        this.#schedule();
        return next;
      } catch (err) {
        const error =
          err instanceof Error
            ? err
            : new NatsPluginError('NATS_REFRESH_FAILED', String(err), { cause: err });
        if (isUnauthorized(error)) {
          this.#state = 'unauthorized';
          this.#nextDueAt = undefined;
          this.#opts.onUnauthorized?.(error);
        } else if (!this.#halted()) {
          this.#opts.onError?.(error);
          this.#failures += 1;
          const base = this.#opts.backoffBaseMs ?? 1000;
          const max = this.#opts.backoffMaxMs ?? 30_000;
          this.#state = 'idle';
          this.#schedule(Math.min(max, base * 2 ** (this.#failures - 1)));
        }
        throw error;
      } finally {
        this.#inflight = undefined;
      }
    })();
    return this.#inflight;
  }
}
