// One HTTP POST with a deadline, through the guarded DNS lookup.
import type { LookupFunction } from '../url/url-policy.js';

/** Outcome of one attempt. */
export type PostOutcome =
  | { readonly kind: 'status'; readonly status: number }
  | { readonly kind: 'error'; readonly error: Error; readonly forbidden: boolean };

/** Options of {@link postJson}. */
export interface PostOptions {
  /** Per-attempt deadline, ms (connect + answer). */
  readonly timeoutMs: number;
  /** Host lookup (refuses forbidden addresses). */
  readonly lookup: LookupFunction;
  /** Aborts the attempt (shutdown). */
  readonly signal?: AbortSignal;
}

/**
 * POSTs `body` and resolves with the status code or the error; never rejects.
 * @param url - target.
 * @param body - JSON text.
 * @param headers - extra headers.
 * @param options - deadline, lookup, signal.
 * @returns the outcome.
 */
export function postJson(
  url: URL,
  body: string,
  headers: Readonly<Record<string, string>>,
  options: PostOptions,
): Promise<PostOutcome> {
  return new Promise((resolve) => {
    let settled = false;
    const finish = (outcome: PostOutcome): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      options.signal?.removeEventListener('abort', onAbort);
      resolve(outcome);
    };
    // Loaded at the first delivery, not at daemon start: most daemons never POST a webhook, and
    // node:https brings node:tls with it.
    const send =
      url.protocol === 'https:'
        ? process.getBuiltinModule('node:https').request
        : process.getBuiltinModule('node:http').request;
    const req = send(url, {
      method: 'POST',
      lookup: options.lookup,
      agent: false,
      headers: {
        'content-type': 'application/json',
        'content-length': String(Buffer.byteLength(body)),
        'user-agent': 'mesh-webhook/1',
        ...headers,
      },
    });
    const fail = (error: Error): void =>
      finish({
        kind: 'error',
        error,
        forbidden: (error as { code?: unknown }).code === 'WEBHOOK_TARGET_FORBIDDEN',
      });
    const onAbort = (): void => {
      req.destroy(new Error('webhook delivery aborted'));
    };
    const timer = setTimeout(
      () =>
        req.destroy(new Error(`webhook receiver did not answer within ${options.timeoutMs} ms`)),
      options.timeoutMs,
    );
    timer.unref();
    options.signal?.addEventListener('abort', onAbort, { once: true });
    req.on('error', fail);
    req.on('response', (res) => {
      res.resume();
      res.on('error', () => {});
      finish({ kind: 'status', status: res.statusCode ?? 0 });
    });
    req.end(body);
  });
}
