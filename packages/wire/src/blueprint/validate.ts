import { WireError } from '../errors/wire-error.js';
import { decodeBlueprint } from './decode.js';
import type { NetworkBlueprint } from './types.js';
import { screenUrl } from './url.js';

const JOIN_RULES: readonly string[] = ['', 'open', 'token', 'invite'];
const ROLES: readonly string[] = ['owner', 'admin', 'member'];
const IDP_TYPES: readonly string[] = ['oidc', 'saml', 'webhook', 'entra_id', 'ldap'];
const AUDIT_FORMATS: readonly string[] = ['json', 'splunk_hec', 'syslog_cef'];

/** Throws INVALID with `message`. */
function fail(message: string): never {
  throw new WireError('INVALID', message);
}

/** Throws INVALID naming `field` if `url` fails screening. */
function checkUrl(url: string, field: string): void {
  const problem = screenUrl(url);
  if (problem !== undefined) fail(`${field}: ${problem}`);
}

/** Checks an expression policy document the way the reference does. */
function checkExprPolicy(doc: unknown): void {
  // JSON null decodes to an empty document in the reference, so it fails on the version.
  if (doc === null) fail('expr_policy: unsupported version 0 (want 1)');
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) {
    fail(
      `expr_policy: invalid JSON: must be a JSON object, got ${doc === null ? 'null' : Array.isArray(doc) ? 'an array' : typeof doc}`,
    );
  }
  const { version, rules } = doc as Record<string, unknown>;
  if (version !== 1)
    fail(`expr_policy: unsupported version ${JSON.stringify(version) ?? 0} (want 1)`);
  // Go's ValidateBlueprint (common/registry/wire/blueprint.go) keeps `rules` as raw JSON and only
  // refuses it when absent or `null`; `[]` passes there, so it passes here too.
  if (rules === undefined || rules === null) fail('expr_policy: at least one rule is required');
}

/**
 * Checks a blueprint with the reference's rules, in its order: field types; `name` required; `join_rule`
 * one of ""/open/token/invite and `join_token` required for token; each role has an `external_id` and a
 * role of owner/admin/member; `identity_provider` type oidc/saml/webhook/entra_id/ldap with a required,
 * SSRF-screened `url`; `webhooks` URLs screened when set; `audit_export` format json/splunk_hec/syslog_cef,
 * `endpoint` required and URL-screened for json/splunk_hec (raw host:port allowed for syslog_cef);
 * `expr_policy` a JSON object with `version` 1 and a `rules` field that is present and not `null`
 * (as in Go, `rules: []` passes).
 * Throws INVALID; the message names the offending field.
 *
 * @example
 * ```ts
 * validateBlueprint({ name: 'ops', join_rule: 'token' }); // WireError: join_token is required when join_rule is token
 * ```
 */
export function validateBlueprint(bp: NetworkBlueprint): void {
  const b = decodeBlueprint(bp);
  if (b.name === '') fail('name is required');
  const joinRule = b.join_rule ?? '';
  if (!JOIN_RULES.includes(joinRule))
    fail(`invalid join_rule ${JSON.stringify(joinRule)} (must be open, token, or invite)`);
  if (joinRule === 'token' && (b.join_token ?? '') === '')
    fail('join_token is required when join_rule is token');
  (b.roles ?? []).forEach((r, i) => {
    if (r.external_id === '') fail(`roles[${i}]: role entry: external_id is required`);
    if (!ROLES.includes(r.role))
      fail(
        `roles[${i}].role: invalid role ${JSON.stringify(r.role)} for ${r.external_id} (must be owner, admin or member)`,
      );
  });
  const idp = b.identity_provider;
  if (idp) {
    if (!IDP_TYPES.includes(idp.type)) {
      fail(
        `invalid identity_provider type ${JSON.stringify(idp.type)} (must be oidc, saml, webhook, entra_id or ldap)`,
      );
    }
    if (idp.url === '') fail('identity_provider.url is required');
    checkUrl(idp.url, 'identity_provider.url');
  }
  if (b.webhooks?.audit_url !== undefined) checkUrl(b.webhooks.audit_url, 'webhooks.audit_url');
  if (b.webhooks?.identity_url !== undefined)
    checkUrl(b.webhooks.identity_url, 'webhooks.identity_url');
  const audit = b.audit_export;
  if (audit) {
    if (!AUDIT_FORMATS.includes(audit.format)) {
      fail(
        `invalid audit_export format ${JSON.stringify(audit.format)} (must be json, splunk_hec or syslog_cef)`,
      );
    }
    if (audit.endpoint === '') fail('audit_export.endpoint is required');
    // syslog_cef sinks take raw host:port targets; only the HTTP formats are URL-screened.
    if (audit.format !== 'syslog_cef') checkUrl(audit.endpoint, 'audit_export.endpoint');
  }
  if ('expr_policy' in b) checkExprPolicy(b.expr_policy);
}

/**
 * Decodes a blueprint from JSON text as the reference's loader does: JSON syntax errors throw BAD_JSON
 * (`parse blueprint: …`), wrong field types INVALID, a missing `name` INVALID (`blueprint: name is
 * required`). Like the reference loader it does not run {@link validateBlueprint}; do that before use.
 *
 * @example
 * ```ts
 * const bp = parseBlueprint('{"name":"ops","join_rule":"invite"}');
 * ```
 */
export function parseBlueprint(json: string): NetworkBlueprint {
  let raw: unknown;
  try {
    raw = JSON.parse(json);
  } catch (cause) {
    throw new WireError('BAD_JSON', `parse blueprint: ${(cause as Error).message}`, { cause });
  }
  if (raw !== null && (typeof raw !== 'object' || Array.isArray(raw))) {
    throw new WireError('BAD_JSON', 'parse blueprint: a blueprint must be a JSON object');
  }
  let bp: NetworkBlueprint;
  try {
    bp = decodeBlueprint(raw);
  } catch (e) {
    throw new WireError('INVALID', `parse blueprint: ${(e as Error).message}`, { cause: e });
  }
  if (bp.name === '') throw new WireError('INVALID', 'blueprint: name is required');
  return bp;
}
