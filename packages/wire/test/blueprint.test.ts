import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseBlueprint, validateBlueprint } from '../src/index.js';
import type { NetworkBlueprint } from '../src/index.js';
import { loadBlueprint } from '../src/node.js';

const rejects = (bp: unknown, message: string | RegExp): void => {
  expect(() => validateBlueprint(bp as NetworkBlueprint)).toThrow(
    expect.objectContaining({ code: 'INVALID' }),
  );
  expect(() => validateBlueprint(bp as NetworkBlueprint)).toThrow(message);
};

describe('validateBlueprint (reference §D.7)', () => {
  it('accepts a minimal and a full blueprint', () => {
    expect(() => validateBlueprint({ name: 'net', join_rule: 'open' })).not.toThrow();
    expect(() =>
      validateBlueprint({
        name: 'corp',
        join_rule: 'token',
        join_token: 'tok',
        enterprise: true,
        policy: { max_members: 50, allowed_ports: [80, 443], description: 'ops' },
        expr_policy: { version: 1, rules: [{ on: 'connect', match: 'true' }] },
        roles: [
          { external_id: 'u1', role: 'owner' },
          { external_id: 'u2', role: 'admin' },
          { external_id: 'u3', role: 'member' },
        ],
        identity_provider: {
          type: 'oidc',
          url: 'https://idp.example.com/verify',
          issuer: 'https://idp.example.com',
        },
        webhooks: {
          audit_url: 'https://hooks.example.com/audit',
          identity_url: 'http://10.0.0.5:8080/id',
        },
        audit_export: {
          format: 'splunk_hec',
          endpoint: 'https://splunk.example.com:8088',
          token: 't',
          index: 'main',
        },
        network_admin_token: 'admin',
      }),
    ).not.toThrow();
  });

  it('accepts every join rule and identity provider type', () => {
    for (const join_rule of ['', 'open', 'token', 'invite']) {
      expect(() =>
        validateBlueprint({
          name: 'n',
          join_rule,
          ...(join_rule === 'token' ? { join_token: 'tok' } : {}),
        }),
      ).not.toThrow();
    }
    for (const type of ['oidc', 'saml', 'webhook', 'entra_id', 'ldap']) {
      expect(() =>
        validateBlueprint({
          name: 'n',
          identity_provider: { type, url: 'https://example.com/auth' },
        }),
      ).not.toThrow();
    }
    expect(() =>
      validateBlueprint({
        name: 'n',
        audit_export: { format: 'syslog_cef', endpoint: '1.2.3.4:514' },
      }),
    ).not.toThrow();
    expect(() =>
      validateBlueprint({ name: 'n', audit_export: { format: 'json', endpoint: 'https://a.b/x' } }),
    ).not.toThrow();
  });

  it('rejects each invalid case with a message naming the field', () => {
    rejects({}, 'name is required');
    rejects({ name: 'n', join_rule: 'weird' }, 'invalid join_rule');
    rejects({ name: 'n', join_rule: 'token' }, 'join_token is required');
    rejects({ name: 'n', roles: [{ external_id: '', role: 'admin' }] }, 'external_id is required');
    rejects(
      { name: 'n', roles: [{ external_id: 'u', role: 'superadmin' }] },
      /roles\[0\]\.role: invalid role "superadmin"/,
    );
    rejects(
      { name: 'n', identity_provider: { type: 'oidc', url: '' } },
      'identity_provider.url is required',
    );
    rejects(
      { name: 'n', identity_provider: { type: 'weird', url: 'https://a.b' } },
      'invalid identity_provider type',
    );
    rejects(
      { name: 'n', identity_provider: { type: 'oidc', url: 'ftp://a.b' } },
      /identity_provider\.url: .*http or https/,
    );
    rejects(
      { name: 'n', audit_export: { format: 'weird', endpoint: 'https://a.b' } },
      'invalid audit_export format',
    );
    rejects(
      { name: 'n', audit_export: { format: 'json', endpoint: '' } },
      'audit_export.endpoint is required',
    );
    rejects(
      { name: 'n', audit_export: { format: 'json', endpoint: '1.2.3.4:514' } },
      /audit_export\.endpoint/,
    );
    rejects(
      { name: 'n', webhooks: { audit_url: 'http://169.254.169.254/latest' } },
      /webhooks\.audit_url: .*link-local/,
    );
    rejects({ name: 'n', webhooks: { identity_url: 'not a url' } }, /webhooks\.identity_url/);
    rejects(
      { name: 'n', expr_policy: { version: 2, rules: [1] } },
      'expr_policy: unsupported version 2',
    );
    rejects(
      { name: 'n', expr_policy: { version: 1, rules: null } },
      'expr_policy: at least one rule is required',
    );
    rejects(
      { name: 'n', expr_policy: { version: 1 } },
      'expr_policy: at least one rule is required',
    );
    rejects({ name: 'n', expr_policy: '{"version":1}' }, 'expr_policy: invalid JSON');
    rejects({ name: 'n', expr_policy: null }, 'expr_policy: unsupported version 0');
  });

  it("accepts expr_policy.rules: [] as Go's ValidateBlueprint does (only absent or null rules fail)", () => {
    expect(() =>
      validateBlueprint({ name: 'n', expr_policy: { version: 1, rules: [] } }),
    ).not.toThrow();
  });

  it('rejects wrong field types, naming the field', () => {
    rejects({ name: 5 }, /name must be a string/);
    rejects({ name: 'n', policy: { allowed_ports: [80, 70000] } }, /policy\.allowed_ports\[1\]/);
    rejects({ name: 'n', policy: { max_members: 'ten' } }, /policy\.max_members/);
    rejects({ name: 'n', roles: {} }, /roles must be an array/);
    rejects({ name: 'n', enterprise: 'yes' }, /enterprise must be a boolean/);
  });

  it('screens URLs like the reference (link-local, metadata hosts, schemes)', () => {
    const bad = [
      'http://169.254.169.254/',
      'http://[fe80::1]/',
      'http://[::ffff:169.254.1.1]/',
      'http://224.0.0.1/',
      'http://[ff02::1]/',
      'http://Metadata.Google.Internal/computeMetadata',
      'https://metadata.google.com/',
      'http://0xA9FEA9FE/',
      'gopher://example.com/',
      'javascript:alert(1)',
    ];
    for (const url of bad)
      rejects({ name: 'n', webhooks: { audit_url: url } }, /webhooks\.audit_url/);
    for (const url of [
      'https://example.com',
      'http://10.0.0.1:8080/x',
      'http://[2001:db8::1]/',
      'http://localhost:9000',
    ]) {
      expect(
        () => validateBlueprint({ name: 'n', webhooks: { audit_url: url } }),
        url,
      ).not.toThrow();
    }
  });
});

describe('parseBlueprint / loadBlueprint', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'mesh-wire-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('parses the JSON a reference tool writes, dropping empty optional fields', () => {
    expect(
      parseBlueprint(
        '{"name":"test-net","join_rule":"open","join_token":"","policy":null,"extra":1}',
      ),
    ).toEqual({
      name: 'test-net',
      join_rule: 'open',
    });
  });

  it('loads a blueprint file', async () => {
    const file = path.join(dir, 'bp.json');
    await writeFile(
      file,
      JSON.stringify({
        name: 'test-net',
        join_rule: 'open',
        roles: [{ external_id: 'u', role: 'member' }],
      }),
    );
    const bp = await loadBlueprint(file);
    expect(bp).toEqual({
      name: 'test-net',
      join_rule: 'open',
      roles: [{ external_id: 'u', role: 'member' }],
    });
    expect(() => validateBlueprint(bp)).not.toThrow();
  });

  it('reports a missing file, bad JSON and a missing name like the reference', async () => {
    await expect(loadBlueprint(path.join(dir, 'does-not-exist.json'))).rejects.toThrow(
      /read blueprint/,
    );
    const badJson = path.join(dir, 'bad.json');
    await writeFile(badJson, '{not json');
    await expect(loadBlueprint(badJson)).rejects.toMatchObject({
      code: 'BAD_JSON',
      message: expect.stringContaining('parse blueprint'),
    });
    const noName = path.join(dir, 'noname.json');
    await writeFile(noName, '{}');
    await expect(loadBlueprint(noName)).rejects.toThrow('name is required');
  });
});
