import { WireError } from '../errors/wire-error.js';
import { parseGoDuration } from './duration.js';

/** How a managed network drops peers each cycle. */
export type PruneBy = 'score' | 'age' | 'activity';
/** How a managed network adds peers each cycle. */
export type FillHow = 'random';

/**
 * Managed-network rules, with the JSON field names of the reference (`links`, `cycle`, `prune`,
 * `prune_by`, `fill`, `fill_how`, `grace`). The registry only stores them; daemons run the cycle.
 */
export interface NetworkRules {
  /** Most managed peers per node (≥ 1). */
  links: number;
  /** Cycle period as a Go duration (`"24h"`, `"1h30m"`), at least 1 minute. */
  cycle: string;
  /** Peers dropped per cycle (0..links). */
  prune: number;
  /** Which peers are dropped. */
  prune_by: PruneBy;
  /** Peers added per cycle (0..links). */
  fill: number;
  /** How peers are added. */
  fill_how: FillHow;
  /** Grace period for new members as a Go duration; omitted when empty. */
  grace?: string;
}

const ONE_MINUTE_NS = 60_000_000_000n;
const PRUNE_BY: readonly string[] = ['score', 'age', 'activity'];

/** Throws INVALID with the reference's `rules:` prefix. */
function fail(message: string, cause?: unknown): never {
  throw new WireError('INVALID', `rules: ${message}`, cause === undefined ? undefined : { cause });
}

/** `value` as a safe integer, or INVALID naming `field`. */
function integer(value: unknown, field: string): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value))
    fail(`${field} must be an integer (got ${JSON.stringify(value) ?? String(value)})`);
  return value;
}

/** `value` as a string, or INVALID naming `field`. */
function text(value: unknown, field: string): string {
  if (typeof value !== 'string') fail(`${field} must be a string (got ${typeof value})`);
  return value;
}

/**
 * Checks managed-network rules with the reference's checks, in its order: links ≥ 1; cycle required,
 * a valid Go duration, ≥ 1m; prune ≥ 0; fill ≥ 0; prune ≤ links; fill ≤ links; prune_by required and one
 * of score/age/activity; fill_how required and `random`; grace, if set, a valid duration ≥ 0.
 * `null`/`undefined` rules are valid (an unmanaged network). Throws INVALID naming the field.
 *
 * @example
 * ```ts
 * validateRules({ links: 10, cycle: '24h', prune: 3, prune_by: 'score', fill: 3, fill_how: 'random' }); // ok
 * validateRules({ ...rules, cycle: '30s' }); // WireError: rules: cycle must be >= 1m (got 30s)
 * ```
 */
export function validateRules(rules: NetworkRules | null | undefined): void {
  if (rules === null || rules === undefined) return;
  if (typeof rules !== 'object') fail('must be an object');
  const links = integer(rules.links, 'links');
  if (links < 1) fail(`links must be >= 1 (got ${links})`);
  const cycle = text(rules.cycle, 'cycle');
  if (cycle === '') fail('cycle is required');
  let period: bigint;
  try {
    period = parseGoDuration(cycle);
  } catch (cause) {
    fail(`invalid cycle duration ${JSON.stringify(cycle)}: ${(cause as Error).message}`, cause);
  }
  if (period < ONE_MINUTE_NS) fail(`cycle must be >= 1m (got ${cycle})`);
  const prune = integer(rules.prune, 'prune');
  const fill = integer(rules.fill, 'fill');
  if (prune < 0) fail(`prune must be >= 0 (got ${prune})`);
  if (fill < 0) fail(`fill must be >= 0 (got ${fill})`);
  if (prune > links) fail(`prune (${prune}) cannot exceed links (${links})`);
  if (fill > links) fail(`fill (${fill}) cannot exceed links (${links})`);
  const pruneBy = text(rules.prune_by, 'prune_by');
  if (pruneBy === '') fail('prune_by is required');
  if (!PRUNE_BY.includes(pruneBy))
    fail(`unknown prune_by strategy ${JSON.stringify(pruneBy)} (want score|age|activity)`);
  const fillHow = text(rules.fill_how, 'fill_how');
  if (fillHow === '') fail('fill_how is required');
  if (fillHow !== 'random')
    fail(`unknown fill_how strategy ${JSON.stringify(fillHow)} (want random)`);
  if (rules.grace !== undefined) {
    const grace = text(rules.grace, 'grace');
    if (grace !== '') {
      let g: bigint;
      try {
        g = parseGoDuration(grace);
      } catch (cause) {
        fail(`invalid grace duration ${JSON.stringify(grace)}: ${(cause as Error).message}`, cause);
      }
      if (g < 0n) fail('grace must be >= 0');
    }
  }
}

/** Reads one field the way Go's json.Unmarshal fills a struct: absent or null → zero value. */
function field<T>(
  obj: Record<string, unknown>,
  key: string,
  zero: T,
  read: (v: unknown, f: string) => T,
): T {
  const v = obj[key];
  return v === undefined || v === null ? zero : read(v, key);
}

/**
 * Decodes rules from JSON text (as stored by the registry) and validates them. Missing fields take
 * Go's zero values (so a missing `links` fails as `links must be >= 1`); unknown fields are ignored;
 * an empty `grace` is dropped. Throws BAD_JSON for text that is not a JSON object, INVALID otherwise.
 *
 * @example
 * ```ts
 * parseRules('{"links":8,"cycle":"12h","prune":2,"prune_by":"activity","fill":2,"fill_how":"random"}');
 * ```
 */
export function parseRules(json: string): NetworkRules {
  let raw: unknown;
  try {
    raw = JSON.parse(json);
  } catch (cause) {
    throw new WireError('BAD_JSON', `rules: invalid JSON: ${(cause as Error).message}`, { cause });
  }
  if (raw === null) raw = {};
  if (typeof raw !== 'object' || Array.isArray(raw)) {
    throw new WireError('BAD_JSON', 'rules: invalid JSON: rules must be a JSON object');
  }
  const obj = raw as Record<string, unknown>;
  const rules: NetworkRules = {
    links: field(obj, 'links', 0, integer),
    cycle: field(obj, 'cycle', '', text),
    prune: field(obj, 'prune', 0, integer),
    prune_by: field(obj, 'prune_by', '', text) as PruneBy,
    fill: field(obj, 'fill', 0, integer),
    fill_how: field(obj, 'fill_how', '', text) as FillHow,
  };
  const grace = field(obj, 'grace', '', text);
  if (grace !== '') rules.grace = grace;
  validateRules(rules);
  return rules;
}
