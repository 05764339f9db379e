// Where the list comes from: a local file, or an HTTPS URL (plain http only to loopback, for
// local setups and tests). Reads are size-capped and time-limited.
import { readFile, stat } from 'node:fs/promises';
import { TrustedAgentsError } from '../errors.js';

/** How to read the list. */
export interface ReadListOptions {
  /** Size cap, bytes. */
  readonly maxBytes: number;
  /** Deadline, ms. */
  readonly timeoutMs: number;
  /** Cancels the read. */
  readonly signal?: AbortSignal;
}

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]', '::1']);

/**
 * Whether `source` names a URL rather than a file.
 * @param source - the configured source.
 * @returns true for `http:` / `https:` URLs.
 */
export function isUrlSource(source: string): boolean {
  return /^https?:\/\//i.test(source);
}

/**
 * Checks a source before the first read.
 * @param source - a file path or URL.
 * @throws TrustedAgentsError `CONFIG_INVALID` for an http URL to a non-loopback host or a bad URL.
 */
export function validateSource(source: string): void {
  if (!isUrlSource(source)) return;
  let url: URL;
  try {
    url = new URL(source);
  } catch (error) {
    throw new TrustedAgentsError(
      'CONFIG_INVALID',
      `trusted-agents source "${source}" is not a URL`,
      { cause: error },
    );
  }
  if (url.protocol === 'http:' && !LOOPBACK.has(url.hostname))
    throw new TrustedAgentsError(
      'CONFIG_INVALID',
      `trusted-agents source ${source} must use https (plain http is only allowed to loopback)`,
    );
}

/**
 * Reads the list's bytes.
 * @param source - a file path or URL.
 * @param options - cap, deadline, cancellation.
 * @returns the bytes.
 * @throws TrustedAgentsError `LIST_TOO_LARGE`, `LIST_TIMEOUT` or `LIST_FETCH_FAILED`.
 */
export async function readListSource(
  source: string,
  options: ReadListOptions,
): Promise<Uint8Array> {
  if (!isUrlSource(source)) {
    try {
      const info = await stat(source);
      if (info.size > options.maxBytes)
        throw new TrustedAgentsError(
          'LIST_TOO_LARGE',
          `${source} is ${info.size} bytes, over the ${options.maxBytes}-byte cap`,
        );
      return new Uint8Array(await readFile(source));
    } catch (error) {
      if (error instanceof TrustedAgentsError) throw error;
      throw new TrustedAgentsError('LIST_FETCH_FAILED', `cannot read ${source}: ${String(error)}`, {
        retryable: true,
        cause: error,
      });
    }
  }
  const timeout = AbortSignal.timeout(options.timeoutMs);
  const signal =
    options.signal === undefined ? timeout : AbortSignal.any([options.signal, timeout]);
  try {
    const response = await fetch(source, {
      signal,
      redirect: 'error',
      headers: { 'user-agent': 'mesh-daemon/trustedagents' },
    });
    if (response.status !== 200) {
      await response.body?.cancel();
      throw new TrustedAgentsError(
        'LIST_FETCH_FAILED',
        `${source} answered HTTP ${response.status}`,
        { retryable: true },
      );
    }
    const declared = Number(response.headers.get('content-length'));
    if (Number.isFinite(declared) && declared > options.maxBytes) {
      await response.body?.cancel();
      throw new TrustedAgentsError(
        'LIST_TOO_LARGE',
        `${source} sends ${declared} bytes, over the ${options.maxBytes}-byte cap`,
      );
    }
    const chunks: Uint8Array[] = [];
    let size = 0;
    for await (const chunk of response.body ?? []) {
      size += (chunk as Uint8Array).length;
      if (size > options.maxBytes) {
        await response.body?.cancel().catch(() => {});
        throw new TrustedAgentsError(
          'LIST_TOO_LARGE',
          `${source} sent more than the ${options.maxBytes}-byte cap`,
        );
      }
      chunks.push(chunk as Uint8Array);
    }
    return new Uint8Array(Buffer.concat(chunks));
  } catch (error) {
    if (error instanceof TrustedAgentsError) throw error;
    if (timeout.aborted)
      throw new TrustedAgentsError(
        'LIST_TIMEOUT',
        `${source} did not answer within ${options.timeoutMs} ms`,
        { retryable: true, cause: error },
      );
    throw new TrustedAgentsError('LIST_FETCH_FAILED', `cannot fetch ${source}: ${String(error)}`, {
      retryable: true,
      cause: error,
    });
  }
}
