// The credentials file: a user JWT + NKey seed, or a token. JSON, mode 0600, written atomically.
import { readFile } from 'node:fs/promises';
import { NatsPluginError } from '../errors.js';
import { writeFileAtomic } from '../util/atomic-file.js';

/** A NATS credential. */
export type NatsCredential =
  | { readonly kind: 'jwt'; readonly jwt: string; readonly seed: string }
  | { readonly kind: 'token'; readonly token: string };

/**
 * The `exp` claim of a JWT, Unix seconds, or `undefined` when it has none (or is a token).
 * @param credential - the credential.
 * @returns the expiry.
 */
export function credentialExpiry(credential: NatsCredential): number | undefined {
  if (credential.kind !== 'jwt') return undefined;
  const part = credential.jwt.split('.')[1];
  if (part === undefined) return undefined;
  try {
    const claims = JSON.parse(Buffer.from(part, 'base64url').toString('utf8')) as {
      exp?: unknown;
    };
    return typeof claims.exp === 'number' ? claims.exp : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Validates a parsed credential object (`{jwt, seed}` or `{token}`).
 * @param raw - parsed JSON.
 * @param where - for the message.
 * @returns the credential.
 * @throws NatsPluginError `NATS_CREDENTIALS_INVALID`.
 */
export function parseCredential(raw: unknown, where: string): NatsCredential {
  const o = (typeof raw === 'object' && raw !== null ? raw : {}) as Record<string, unknown>;
  const jwt = o['jwt'];
  const seed = o['seed'];
  const token = o['token'];
  if (typeof jwt === 'string' && typeof seed === 'string') {
    if (!seed.startsWith('SU'))
      throw new NatsPluginError(
        'NATS_CREDENTIALS_INVALID',
        `${where}: "seed" must be a user NKey seed (starts with SU)`,
      );
    if (jwt.split('.').length !== 3)
      throw new NatsPluginError('NATS_CREDENTIALS_INVALID', `${where}: "jwt" is not a JWT`);
    return { kind: 'jwt', jwt, seed };
  }
  if (typeof token === 'string' && token !== '') return { kind: 'token', token };
  throw new NatsPluginError(
    'NATS_CREDENTIALS_INVALID',
    `${where} must hold {"jwt": "...", "seed": "SU..."} or {"token": "..."}`,
  );
}

/**
 * Reads the credentials file.
 * @param file - its path.
 * @returns the credential, or `undefined` when the file does not exist.
 * @throws NatsPluginError `NATS_CREDENTIALS_INVALID` for a malformed file.
 */
export async function loadCredentials(file: string): Promise<NatsCredential | undefined> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (cause) {
    throw new NatsPluginError('NATS_CREDENTIALS_INVALID', `${file} is not JSON`, { cause });
  }
  return parseCredential(raw, file);
}

/**
 * Writes the credentials file atomically with mode 0600.
 * @param file - its path.
 * @param credential - what to store.
 */
export async function saveCredentials(file: string, credential: NatsCredential): Promise<void> {
  const body =
    credential.kind === 'jwt'
      ? { jwt: credential.jwt, seed: credential.seed }
      : { token: credential.token };
  await writeFileAtomic(file, JSON.stringify(body, null, 2) + '\n');
}
