// The persisted configuration: webhook.json in the plugin's data directory (0600, atomic).
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { WebhookError } from '../errors.js';
import { writeFileAtomic } from '../util/atomic-file.js';

/** File name of the state file inside the plugin's data directory. */
export const STATE_FILE = 'webhook.json';

/** What is persisted. */
export interface WebhookState {
  /** Target URL, `''` when off. */
  readonly url: string;
  /** Topic allow-list; empty forwards everything. */
  readonly topics: readonly string[];
  /** HMAC secret, `''` for unsigned deliveries. */
  readonly secret: string;
}

/** The state with nothing configured. */
export const EMPTY_STATE: WebhookState = Object.freeze({ url: '', topics: [], secret: '' });

/** `value` when it is an array of strings, else `undefined`. */
function strings(value: unknown): string[] | undefined {
  return Array.isArray(value) && value.every((v) => typeof v === 'string') ? value : undefined;
}

/**
 * Reads the state file; a missing file is the empty state.
 * @param dir - the plugin's data directory.
 * @returns the state.
 * @throws WebhookError `WEBHOOK_STATE_INVALID` when the file is not valid state JSON.
 */
export async function loadWebhookState(dir: string): Promise<WebhookState> {
  const file = path.join(dir, STATE_FILE);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return EMPTY_STATE;
    throw err;
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (cause) {
    throw new WebhookError('WEBHOOK_STATE_INVALID', `${file} is not JSON; fix or delete it`, {
      cause,
    });
  }
  const obj = (typeof raw === 'object' && raw !== null ? raw : {}) as Record<string, unknown>;
  const url = obj['url'] ?? '';
  const topics = strings(obj['topics'] ?? []);
  const secret = obj['secret'] ?? '';
  if (typeof url !== 'string' || topics === undefined || typeof secret !== 'string')
    throw new WebhookError(
      'WEBHOOK_STATE_INVALID',
      `${file} must hold {"url": string, "topics": string[], "secret": string}`,
    );
  return { url, topics, secret };
}

/**
 * Writes the state file atomically with mode 0600.
 * @param dir - the plugin's data directory.
 * @param state - the state.
 */
export async function saveWebhookState(dir: string, state: WebhookState): Promise<void> {
  await writeFileAtomic(
    path.join(dir, STATE_FILE),
    JSON.stringify({ url: state.url, topics: state.topics, secret: state.secret }, null, 2) + '\n',
  );
}
