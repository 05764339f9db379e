// Fetches a fresh credential from the configured HTTPS endpoint (custom CA allowed).
import { request } from 'node:https';
import { NatsPluginError } from '../errors.js';
import { parseCredential } from './credentials.js';
import type { NatsCredential } from './credentials.js';

/** Options of {@link httpsRefresher}. */
export interface HttpsRefresherOptions {
  /** The endpoint; it answers a POST with `{"jwt","seed"}` or `{"token"}`. */
  readonly url: string;
  /** Sent as `Authorization: Bearer <token>` (an API key for the issuer). */
  readonly bearer?: string;
  /** PEM CA certificate(s) to trust instead of the system store (self-signed issuers). */
  readonly ca?: string | Buffer;
  /** Per-request deadline, ms. @defaultValue 10 000 */
  readonly timeoutMs?: number;
}

/** Fetches one fresh credential; rejects with a typed error. */
export type Refresher = (current: NatsCredential | undefined) => Promise<NatsCredential>;

/**
 * A {@link Refresher} over HTTPS. 401/403 reject with `NATS_REFRESH_UNAUTHORIZED` (final);
 * network errors, timeouts and other statuses with `NATS_REFRESH_FAILED` (retryable). The body
 * carries the current user's public JWT (never the seed) so the issuer can tell who asks.
 * @param options - endpoint, bearer, CA.
 * @returns the refresher.
 * @throws NatsPluginError `NATS_CONFIG_INVALID` for a non-https URL.
 */
export function httpsRefresher(options: HttpsRefresherOptions): Refresher {
  const url = new URL(options.url);
  if (url.protocol !== 'https:')
    throw new NatsPluginError(
      'NATS_CONFIG_INVALID',
      `refresh URL must be https, got ${options.url}`,
    );
  return (current) =>
    new Promise<NatsCredential>((resolve, reject) => {
      const body = JSON.stringify(current?.kind === 'jwt' ? { jwt: current.jwt } : {});
      const req = request(url, {
        method: 'POST',
        agent: false,
        ...(options.ca !== undefined ? { ca: options.ca } : {}),
        headers: {
          'content-type': 'application/json',
          'content-length': String(Buffer.byteLength(body)),
          ...(options.bearer !== undefined ? { authorization: `Bearer ${options.bearer}` } : {}),
        },
        timeout: options.timeoutMs ?? 10_000,
      });
      req.on('timeout', () => req.destroy(new Error('credential endpoint timed out')));
      req.on('error', (cause) =>
        reject(
          new NatsPluginError(
            'NATS_REFRESH_FAILED',
            `credential refresh failed: ${cause.message}`,
            { cause },
          ),
        ),
      );
      req.on('response', (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (text += c));
        res.on('error', () => {});
        res.on('end', () => {
          const status = res.statusCode ?? 0;
          if (status === 401 || status === 403) {
            reject(
              new NatsPluginError(
                'NATS_REFRESH_UNAUTHORIZED',
                `credential endpoint answered ${status}: the refresh bearer is no longer valid; issue a new one`,
              ),
            );
            return;
          }
          if (status < 200 || status >= 300) {
            reject(
              new NatsPluginError('NATS_REFRESH_FAILED', `credential endpoint answered ${status}`),
            );
            return;
          }
          try {
            resolve(parseCredential(JSON.parse(text), 'credential endpoint answer'));
          } catch (cause) {
            reject(
              new NatsPluginError('NATS_REFRESH_FAILED', 'credential endpoint sent no credential', {
                cause,
              }),
            );
          }
        });
      });
      req.end(body);
    });
}
