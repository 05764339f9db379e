// The hostname rule, checked before anything reaches the registry.
import { DaemonError } from '../errors/errors.js';

/** The registry's rule: 1–63 of `[a-z0-9]`, inner hyphens allowed. */
const HOSTNAME = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;
/** Names the registry keeps for itself. */
const RESERVED = new Set(['localhost', 'backbone', 'broadcast']);

/**
 * Throws unless `hostname` is one the registry accepts (`''` clears the name and is allowed).
 * Checked locally so a bad name fails with a clear `INVALID_HOSTNAME` instead of a registry
 * round trip that surfaces as an internal error.
 * @param hostname the name to check
 * @throws DaemonError `INVALID_HOSTNAME`
 */
export function validateHostname(hostname: string): void {
  if (hostname === '') return;
  if (!HOSTNAME.test(hostname)) {
    const hint = hostname
      .toLowerCase()
      .replace(/[^a-z0-9-]+/g, '-')
      .replace(/^-+|-+$/g, '')
      .slice(0, 63);
    throw new DaemonError(
      'INVALID_HOSTNAME',
      `invalid hostname "${hostname}": use 1-63 lowercase letters, digits and inner hyphens${hint !== '' && HOSTNAME.test(hint) ? ` (for example "${hint}")` : ''}`,
    );
  }
  if (RESERVED.has(hostname)) {
    throw new DaemonError('INVALID_HOSTNAME', `hostname "${hostname}" is reserved`);
  }
}
