// The policy document of §E.3 (reference: internal/policy PolicyDocument / Validate): version 1,
// default_verdict, config {cycle, grace, max_peers}, rules [{name, on, match, actions}]. Loading
// validates every field and compiles every expression, so a bad policy is refused as a whole with
// an error naming the rule and field, before any traffic is evaluated.
import type { PolicyEventType } from '@mesh/daemonapi';
import { goDurationSeconds } from '../expr/duration.js';
import { compileExpr } from '../expr/evaluate.js';
import type { CompiledExpr } from '../expr/evaluate.js';
import { PolicyError } from './errors.js';

/** Events a rule can run on. */
export const POLICY_EVENTS: readonly PolicyEventType[] = [
  'connect',
  'dial',
  'datagram',
  'join',
  'leave',
  'cycle',
];
/** The gate events (first allow/deny wins). */
export const GATE_EVENTS: ReadonlySet<string> = new Set(['connect', 'dial', 'datagram']);

/** Action types of §E.3 (`score` is accepted as a legacy no-op of older rulesToPolicy output). */
export type ActionType =
  | 'allow'
  | 'deny'
  | 'evict'
  | 'tag'
  | 'evict_where'
  | 'prune'
  | 'fill'
  | 'prune_trust'
  | 'fill_trust'
  | 'webhook'
  | 'log'
  | 'score';

/** A validated action. */
export type PolicyActionSpec =
  | { readonly type: 'allow' | 'deny' | 'evict' | 'score' }
  | { readonly type: 'tag'; readonly add: readonly string[]; readonly remove: readonly string[] }
  | { readonly type: 'evict_where'; readonly where: CompiledExpr }
  | { readonly type: 'prune'; readonly count: number; readonly by: string }
  | { readonly type: 'fill'; readonly count: number; readonly how: string }
  | {
      readonly type: 'prune_trust';
      readonly percent: number;
      readonly min: number;
      readonly by: string;
    }
  | { readonly type: 'fill_trust'; readonly target: number }
  | {
      readonly type: 'webhook';
      readonly event: string;
      readonly data: Readonly<Record<string, unknown>>;
    }
  | {
      readonly type: 'log';
      readonly message: string;
      readonly level: 'debug' | 'info' | 'warn' | 'error';
    };

/** A validated, compiled rule. */
export interface PolicyRuleSpec {
  /** Unique name. */
  readonly name: string;
  /** Event. */
  readonly on: PolicyEventType;
  /** Compiled match expression. */
  readonly match: CompiledExpr;
  /** Actions in order. */
  readonly actions: readonly PolicyActionSpec[];
  /** The verdict action of the rule, if it has one. */
  readonly verdict?: 'allow' | 'deny';
}

/** A loaded policy. */
export interface LoadedPolicy {
  /** Always 1. */
  readonly version: 1;
  /** Verdict when no gate rule decides. */
  readonly defaultVerdict: 'allow' | 'deny';
  /** Cycle period (ms), when the policy has cycle rules or a cycle config. */
  readonly cycleMs?: number;
  /** Grace period (ms) before new peers are prunable. */
  readonly graceMs: number;
  /** Managed peer cap (0 = none). */
  readonly maxPeers: number;
  /** Membership reconciliation period (ms); mesh extension `config.reconcile`, default 30 s. */
  readonly reconcileMs: number;
  /** Rules in order. */
  readonly rules: readonly PolicyRuleSpec[];
  /** The document as canonical JSON text. */
  readonly json: string;
}

const NAME = /^[a-z0-9_.-]+$/i;

/** Throws POLICY_INVALID naming the field. */
function bad(where: string, problem: string): never {
  throw new PolicyError('POLICY_INVALID', `invalid policy: ${where}: ${problem}`);
}

/** The value as a JSON object. */
function obj(v: unknown, where: string): Record<string, unknown> {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) bad(where, 'must be a JSON object');
  return v as Record<string, unknown>;
}

/** An integer field of at least min. */
function int(v: unknown, where: string, min = 0): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min)
    bad(where, `must be an integer ≥ ${min}`);
  return v;
}

/** A list of non-empty strings. */
function strList(v: unknown, where: string): string[] {
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v) || !v.every((x) => typeof x === 'string' && x !== '' && x.length <= 64))
    bad(where, 'must be a list of non-empty strings');
  return v as string[];
}

/** A Go duration field in ms, at least minMs. */
function durationMs(v: unknown, where: string, minMs: number): number {
  if (typeof v !== 'string') bad(where, 'must be a Go duration string such as "30s" or "1h"');
  const s = goDurationSeconds(v);
  if (s === undefined) bad(where, `invalid duration ${JSON.stringify(v)}`);
  if (s * 1000 < minMs) bad(where, `must be at least ${minMs / 1000}s`);
  return Math.round(s * 1000);
}

/** A string field from a fixed set, or the fallback. */
function oneOf(v: unknown, where: string, allowed: readonly string[], fallback: string): string {
  if (v === undefined || v === null || v === '') return fallback;
  if (typeof v !== 'string' || !allowed.includes(v))
    bad(where, `must be one of ${allowed.join(', ')}`);
  return v;
}

/** Validates one action of a rule. */
function action(raw: unknown, at: string): PolicyActionSpec {
  const a = obj(raw, at);
  const type = a['type'];
  const p =
    a['params'] === undefined || a['params'] === null ? {} : obj(a['params'], `${at}.params`);
  const pa = `${at}.params`;
  switch (type) {
    case 'allow':
    case 'deny':
    case 'evict':
    case 'score':
      return { type };
    case 'tag': {
      const add = strList(p['add'], `${pa}.add`);
      const remove = strList(p['remove'], `${pa}.remove`);
      if (add.length + remove.length === 0) bad(pa, 'tag needs "add" and/or "remove"');
      return { type, add, remove };
    }
    case 'evict_where': {
      if (typeof p['match'] !== 'string') bad(`${pa}.match`, 'is required');
      try {
        return { type, where: compileExpr(p['match']) };
      } catch (err) {
        return bad(`${pa}.match`, (err as Error).message);
      }
    }
    case 'prune':
      return {
        type,
        count: int(p['count'], `${pa}.count`),
        by: oneOf(p['by'], `${pa}.by`, ['age', 'activity', 'score', 'random'], 'age'),
      };
    case 'fill':
      return {
        type,
        count: int(p['count'], `${pa}.count`),
        how: oneOf(p['how'], `${pa}.how`, ['random'], 'random'),
      };
    case 'prune_trust': {
      const percent = p['percent'];
      if (typeof percent !== 'number' || !(percent >= 0 && percent <= 100))
        bad(`${pa}.percent`, 'must be a number from 0 to 100');
      return {
        type,
        percent,
        min: p['min'] === undefined ? 0 : int(p['min'], `${pa}.min`),
        by: oneOf(p['by'], `${pa}.by`, ['age', 'random'], 'age'),
      };
    }
    case 'fill_trust':
      return { type, target: int(p['target'], `${pa}.target`) };
    case 'webhook': {
      const event = p['event'];
      if (typeof event !== 'string' || !NAME.test(event))
        bad(`${pa}.event`, 'is required (letters, digits, _ . -)');
      const data = p['data'] === undefined ? {} : obj(p['data'], `${pa}.data`);
      return { type, event, data };
    }
    case 'log': {
      if (typeof p['message'] !== 'string' || p['message'] === '')
        bad(`${pa}.message`, 'is required');
      const level = oneOf(p['level'], `${pa}.level`, ['debug', 'info', 'warn', 'error'], 'info');
      return { type, message: p['message'], level: level as 'info' };
    }
    default:
      return bad(
        `${at}.type`,
        `unknown action ${JSON.stringify(type)}; use allow, deny, evict, tag, evict_where, prune, fill, prune_trust, fill_trust, webhook or log`,
      );
  }
}

/**
 * Parses, validates and compiles a policy document (JSON text or an already-decoded object).
 * @throws PolicyError `POLICY_INVALID` naming the rule and field at fault.
 */
export function loadPolicy(input: string | object): LoadedPolicy {
  let raw: unknown = input;
  if (typeof input === 'string') {
    try {
      raw = JSON.parse(input);
    } catch (err) {
      bad('document', `not valid JSON (${(err as Error).message})`);
    }
  }
  const d = obj(raw, 'document');
  if (d['version'] !== 1) bad('version', `must be 1, got ${JSON.stringify(d['version'])}`);
  const dv = oneOf(d['default_verdict'], 'default_verdict', ['allow', 'deny'], 'allow') as
    'allow' | 'deny';
  const config =
    d['config'] === undefined || d['config'] === null ? {} : obj(d['config'], 'config');
  const cycleMs =
    config['cycle'] === undefined ? undefined : durationMs(config['cycle'], 'config.cycle', 1000);
  const graceMs =
    config['grace'] === undefined ? 0 : durationMs(config['grace'], 'config.grace', 0);
  const maxPeers =
    config['max_peers'] === undefined ? 0 : int(config['max_peers'], 'config.max_peers');
  const reconcileMs =
    config['reconcile'] === undefined
      ? 30_000
      : durationMs(config['reconcile'], 'config.reconcile', 100);
  if (!Array.isArray(d['rules'])) bad('rules', 'must be an array');
  const names = new Set<string>();
  const rules = (d['rules'] as unknown[]).map((r, i): PolicyRuleSpec => {
    const rule = obj(r, `rules[${i}]`);
    const name = rule['name'];
    if (typeof name !== 'string' || name === '') bad(`rules[${i}].name`, 'is required');
    const at = `rules[${i}] ("${name}")`;
    if (names.has(name)) bad(`${at}.name`, 'duplicate rule name');
    names.add(name);
    const on = rule['on'];
    if (typeof on !== 'string' || !(POLICY_EVENTS as readonly string[]).includes(on))
      bad(`${at}.on`, `unknown event ${JSON.stringify(on)}; use ${POLICY_EVENTS.join(', ')}`);
    if (typeof rule['match'] !== 'string') bad(`${at}.match`, 'is required');
    let match: CompiledExpr;
    try {
      match = compileExpr(rule['match']);
    } catch (err) {
      bad(`${at}.match`, (err as Error).message);
    }
    if (!Array.isArray(rule['actions']) || rule['actions'].length === 0)
      bad(`${at}.actions`, 'needs at least one action');
    const actions = (rule['actions'] as unknown[]).map((a, j) => action(a, `${at}.actions[${j}]`));
    const verdictAction = actions.find((a) => a.type === 'allow' || a.type === 'deny');
    return {
      name,
      on: on as PolicyEventType,
      match,
      actions,
      ...(verdictAction ? { verdict: verdictAction.type as 'allow' | 'deny' } : {}),
    };
  });
  const hasCycleRule = rules.some((r) => r.on === 'cycle');
  if (hasCycleRule && cycleMs === undefined)
    bad('config.cycle', 'is required when a rule runs on "cycle"');
  return {
    version: 1,
    defaultVerdict: dv,
    ...(cycleMs === undefined ? {} : { cycleMs }),
    graceMs,
    maxPeers,
    reconcileMs,
    rules,
    json: JSON.stringify(d),
  };
}
