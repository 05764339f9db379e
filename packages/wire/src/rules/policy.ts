import { checkUint } from '../bytes/check.js';
import { WireError } from '../errors/wire-error.js';
import { goJson, wellFormed } from './go-json.js';
import type { NetworkRules } from './rules.js';

/** One action of a policy rule. */
export interface PolicyAction {
  /** Action type (`allow`, `deny`, `prune`, `fill`, …). */
  type: string;
  /** Action parameters, when the action takes any. */
  params?: Record<string, unknown>;
}

/** One rule of a policy document. */
export interface PolicyRule {
  /** Rule name, unique within the document. */
  name: string;
  /** Event the rule runs on (`connect`, `dial`, `datagram`, `cycle`). */
  on: string;
  /** Match expression (`true`, `port in [80, 443]`, `size > 0`). */
  match: string;
  /** Actions run, in order, when the rule matches. */
  actions: PolicyAction[];
}

/** The shape of the JSON that {@link rulesToPolicy} and {@link allowedPortsToPolicy} return. */
export interface PolicyDocument {
  /** Always 1. */
  version: number;
  /** Engine settings (`max_peers`, `cycle`, `grace`). */
  config?: Record<string, unknown>;
  /** Rules, first match wins per event. */
  rules: PolicyRule[];
}

/** `value` as a safe integer, or INVALID naming `field`. */
function int(value: number, field: string): number {
  if (!Number.isSafeInteger(value))
    throw new WireError('INVALID', `rules: ${field} must be an integer`);
  return value;
}

/**
 * Converts managed-network rules into a policy document (JSON text, byte-identical to the reference's
 * Go output: its key order and its escaping). Returns `null` for no rules.
 * The document: version 1; config `{cycle, grace?, max_peers}`; one rule, `cycle-prune-fill` on
 * `cycle`, match `true`, actions `prune` {by, count} then `fill` {count, how}. Like the reference it
 * does not validate; call {@link validateRules} first.
 *
 * @example
 * ```ts
 * JSON.parse(rulesToPolicy(rules)!).config.max_peers; // rules.links
 * ```
 */
export function rulesToPolicy(rules: NetworkRules | null | undefined): string | null {
  if (rules === null || rules === undefined) return null;
  // Go marshals map keys sorted, struct fields in declaration order; build objects in that order.
  const config: Record<string, unknown> = { cycle: wellFormed(rules.cycle) };
  if (rules.grace !== undefined && rules.grace !== '') config.grace = wellFormed(rules.grace);
  config.max_peers = int(rules.links, 'links');
  const doc: PolicyDocument = {
    version: 1,
    config,
    // Only `cycle-prune-fill`, as Go's `wire.RulesToPolicy` (common/registry/wire/rules.go) emits
    // today; an older release also emitted `score-activity`, whose `score` action current policy
    // validators no longer know.
    rules: [
      {
        name: 'cycle-prune-fill',
        on: 'cycle',
        match: 'true',
        actions: [
          {
            type: 'prune',
            params: { by: wellFormed(rules.prune_by), count: int(rules.prune, 'prune') },
          },
          {
            type: 'fill',
            params: { count: int(rules.fill, 'fill'), how: wellFormed(rules.fill_how) },
          },
        ],
      },
    ],
  };
  return goJson(doc);
}

/**
 * Converts a port allow-list into a policy document (JSON text, byte-identical to the reference's Go
 * output); `null` for an empty or missing list. The match expression is `port in [p1, p2, …]` and the
 * six rules, in order, are `allow-ports` (connect), `allow-ports-dg` (datagram), `allow-ports-dial`
 * (dial) → allow, then `deny-rest`, `deny-rest-dg`, `deny-rest-dial` matching `true` → deny.
 * Ports outside 0..65535 throw OUT_OF_RANGE.
 *
 * @example
 * ```ts
 * JSON.parse(allowedPortsToPolicy([80, 443])!).rules[0].match; // 'port in [80, 443]'
 * ```
 */
export function allowedPortsToPolicy(ports: readonly number[] | null | undefined): string | null {
  if (ports === null || ports === undefined || ports.length === 0) return null;
  ports.forEach((p, i) => checkUint(p, 0xffff, `ports[${i}]`));
  const match = `port in [${ports.join(', ')}]`;
  const rule = (name: string, on: string, m: string, type: string): PolicyRule => ({
    name,
    on,
    match: m,
    actions: [{ type }],
  });
  const doc: PolicyDocument = {
    version: 1,
    rules: [
      rule('allow-ports', 'connect', match, 'allow'),
      rule('allow-ports-dg', 'datagram', match, 'allow'),
      rule('allow-ports-dial', 'dial', match, 'allow'),
      rule('deny-rest', 'connect', 'true', 'deny'),
      rule('deny-rest-dg', 'datagram', 'true', 'deny'),
      rule('deny-rest-dial', 'dial', 'true', 'deny'),
    ],
  };
  return goJson(doc);
}
