import { RegistryRequestError } from '../errors.js';

const NAME = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;
const TAG = /^[a-z0-9]([a-z0-9-]*[a-z0-9])?$/;
const RESERVED_HOSTNAMES = new Set(['localhost', 'backbone', 'broadcast']);

/** Largest number of tags per node. */
export const MAX_TAGS = 10;
/** Longest tag, in characters. */
export const MAX_TAG_LENGTH = 32;

/** Throws unless `hostname` is 1–63 chars of `[a-z0-9]` with inner `-` and not reserved. */
export function validateHostname(hostname: string): void {
  if (!NAME.test(hostname)) {
    throw new RegistryRequestError(
      'BAD_REQUEST',
      `invalid hostname "${hostname}": use 1-63 lowercase letters, digits and inner hyphens`,
    );
  }
  if (RESERVED_HOSTNAMES.has(hostname))
    throw new RegistryRequestError('BAD_REQUEST', `hostname "${hostname}" is reserved`);
}

/** Throws unless `name` is a valid network name (same rule as hostnames, `backbone` reserved). */
export function validateNetworkName(name: string): void {
  if (!NAME.test(name)) {
    throw new RegistryRequestError(
      'BAD_REQUEST',
      `invalid network name "${name}": use 1-63 lowercase letters, digits and inner hyphens`,
    );
  }
  if (name === 'backbone')
    throw new RegistryRequestError('BAD_REQUEST', 'network name "backbone" is reserved');
}

/** Strips a leading `#`, validates each tag, drops duplicates; at most {@link MAX_TAGS}. */
export function normaliseTags(tags: unknown): string[] {
  if (!Array.isArray(tags))
    throw new RegistryRequestError('BAD_REQUEST', 'tags must be an array of strings');
  if (tags.length > MAX_TAGS)
    throw new RegistryRequestError(
      'BAD_REQUEST',
      `too many tags: ${tags.length} (max ${MAX_TAGS})`,
    );
  const out: string[] = [];
  for (const raw of tags) {
    if (typeof raw !== 'string')
      throw new RegistryRequestError('BAD_REQUEST', 'tags must be an array of strings');
    const tag = raw.startsWith('#') ? raw.slice(1) : raw;
    if (tag.length < 1 || tag.length > MAX_TAG_LENGTH || !TAG.test(tag)) {
      throw new RegistryRequestError(
        'BAD_REQUEST',
        `invalid tag "${raw}": use 1-${MAX_TAG_LENGTH} lowercase letters, digits and inner hyphens`,
      );
    }
    if (!out.includes(tag)) out.push(tag);
  }
  return out;
}
