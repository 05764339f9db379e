// Structural checks of an expression policy document (§D.7 expr_policy, §E.3 PolicyDocument) before
// the registry stores it: JSON object, version 1, non-empty rules, each rule named (unique) with a
// known event, a match expression and known actions. The expressions themselves are parsed by the
// policy plugin when it loads the document.
import { RegistryRequestError } from '../errors.js';

const EVENTS = new Set(['connect', 'dial', 'datagram', 'cycle', 'join', 'leave']);
const ACTIONS = new Set([
  'allow',
  'deny',
  'tag',
  'evict',
  'evict_where',
  'prune',
  'fill',
  'prune_trust',
  'fill_trust',
  'webhook',
  'log',
  'score', // legacy: older rulesToPolicy output; the plugin ignores it
]);

/** Throws BAD_REQUEST naming the field. */
function bad(field: string, problem: string): never {
  throw new RegistryRequestError('BAD_REQUEST', `invalid ${field}: ${problem}`);
}

/** Validates a policy document given as JSON text or an object; returns canonical JSON text. */
export function checkExprPolicy(value: unknown, field = 'expr_policy'): string {
  let doc: unknown = value;
  if (typeof value === 'string') {
    try {
      doc = JSON.parse(value);
    } catch (err) {
      bad(field, `not valid JSON (${(err as Error).message})`);
    }
  }
  if (doc === null || typeof doc !== 'object' || Array.isArray(doc))
    bad(field, 'must be a JSON object');
  const d = doc as Record<string, unknown>;
  if (d['version'] !== 1) bad(`${field}.version`, 'must be 1');
  const dv = d['default_verdict'];
  if (dv !== undefined && dv !== '' && dv !== 'allow' && dv !== 'deny')
    bad(`${field}.default_verdict`, 'must be "allow" or "deny"');
  const rules = d['rules'];
  if (!Array.isArray(rules) || rules.length === 0)
    bad(`${field}.rules`, 'must be a non-empty array');
  const names = new Set<string>();
  rules.forEach((r: unknown, i) => {
    const at = `${field}.rules[${i}]`;
    if (r === null || typeof r !== 'object' || Array.isArray(r)) bad(at, 'must be an object');
    const rule = r as Record<string, unknown>;
    const name = rule['name'];
    if (typeof name !== 'string' || name === '') bad(`${at}.name`, 'is required');
    if (names.has(name)) bad(`${at}.name`, `duplicate rule name "${name}"`);
    names.add(name);
    if (typeof rule['on'] !== 'string' || !EVENTS.has(rule['on']))
      bad(`${at}.on`, `unknown event ${JSON.stringify(rule['on'])}`);
    if (typeof rule['match'] !== 'string' || rule['match'].trim() === '')
      bad(`${at}.match`, 'is required');
    const actions = rule['actions'];
    if (!Array.isArray(actions) || actions.length === 0)
      bad(`${at}.actions`, 'needs at least one action');
    actions.forEach((a: unknown, j) => {
      const type = (a as Record<string, unknown> | null)?.['type'];
      if (typeof type !== 'string' || !ACTIONS.has(type))
        bad(`${at}.actions[${j}].type`, `unknown action ${JSON.stringify(type)}`);
    });
  });
  return JSON.stringify(doc);
}
