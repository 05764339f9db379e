import { describe, expect, it } from 'vitest';
import { allowedPortsToPolicy, parseRules, rulesToPolicy, validateRules } from '../src/index.js';
import type { NetworkRules } from '../src/index.js';

const base: NetworkRules = {
  links: 10,
  cycle: '24h',
  prune: 2,
  prune_by: 'score',
  fill: 2,
  fill_how: 'random',
};

describe('validateRules (reference §D.5)', () => {
  it('accepts the reference vectors and no rules at all', () => {
    expect(() =>
      validateRules({
        links: 10,
        cycle: '24h',
        prune: 3,
        prune_by: 'score',
        fill: 3,
        fill_how: 'random',
      }),
    ).not.toThrow();
    expect(() =>
      validateRules({
        links: 5,
        cycle: '1h',
        prune: 1,
        prune_by: 'age',
        fill: 1,
        fill_how: 'random',
        grace: '30m',
      }),
    ).not.toThrow();
    expect(() => validateRules(null)).not.toThrow();
    expect(() => validateRules(undefined)).not.toThrow();
    expect(() => validateRules({ ...base, cycle: '1m', grace: '0s' })).not.toThrow();
  });

  const cases: [string, Partial<Record<keyof NetworkRules, unknown>>, string][] = [
    ['links zero', { links: 0 }, 'links'],
    ['cycle empty', { cycle: '' }, 'cycle'],
    ['cycle too short', { cycle: '30s' }, 'cycle'],
    ['cycle invalid', { cycle: 'bogus' }, 'cycle'],
    ['prune negative', { prune: -1 }, 'prune'],
    ['fill negative', { fill: -1 }, 'fill'],
    ['prune exceeds links', { prune: 20 }, 'prune'],
    ['fill exceeds links', { fill: 20 }, 'fill'],
    ['prune_by empty', { prune_by: '' }, 'prune_by'],
    ['prune_by unknown', { prune_by: 'random' }, 'prune_by'],
    ['fill_how empty', { fill_how: '' }, 'fill_how'],
    ['fill_how unknown', { fill_how: 'oldest' }, 'fill_how'],
    ['grace invalid', { grace: 'not-a-duration' }, 'grace'],
    ['grace negative', { grace: '-1m' }, 'grace'],
    ['links not an integer', { links: 1.5 }, 'links'],
    ['cycle not a string', { cycle: 24 }, 'cycle'],
  ];
  for (const [name, change, field] of cases) {
    it(`rejects ${name}, naming ${field}`, () => {
      expect(() => validateRules({ ...base, ...change } as NetworkRules)).toThrow(
        expect.objectContaining({ code: 'INVALID', message: expect.stringContaining(field) }),
      );
    });
  }

  it('gives the reference wording', () => {
    expect(() => validateRules({ ...base, cycle: '30s' })).toThrow(
      'rules: cycle must be >= 1m (got 30s)',
    );
    expect(() => validateRules({ ...base, prune: 20 })).toThrow(
      'rules: prune (20) cannot exceed links (10)',
    );
    expect(() => validateRules({ ...base, cycle: 'bogus' })).toThrow(
      'rules: invalid cycle duration "bogus": time: invalid duration "bogus"',
    );
  });
});

describe('parseRules', () => {
  it('parses and validates the reference JSON vector', () => {
    expect(
      parseRules(
        '{"links":8,"cycle":"12h","prune":2,"prune_by":"activity","fill":2,"fill_how":"random"}',
      ),
    ).toEqual({
      links: 8,
      cycle: '12h',
      prune: 2,
      prune_by: 'activity',
      fill: 2,
      fill_how: 'random',
    });
  });
  it('keeps grace, ignores unknown fields, treats null as absent', () => {
    expect(parseRules(JSON.stringify({ ...base, grace: '2h', extra: true, note: null }))).toEqual({
      ...base,
      grace: '2h',
    });
    expect(parseRules(JSON.stringify({ ...base, grace: '' }))).toEqual(base);
  });
  it('rejects bad JSON, non-objects, wrong types and invalid rules', () => {
    expect(() => parseRules('{not json}')).toThrow(expect.objectContaining({ code: 'BAD_JSON' }));
    expect(() => parseRules('[]')).toThrow(expect.objectContaining({ code: 'BAD_JSON' }));
    expect(() =>
      parseRules(
        '{"links":0,"cycle":"1h","prune":0,"prune_by":"score","fill":0,"fill_how":"random"}',
      ),
    ).toThrow(/links/);
    expect(() => parseRules('{}')).toThrow(/links must be >= 1/);
    expect(() => parseRules('null')).toThrow(/links/);
    expect(() => parseRules(JSON.stringify({ ...base, links: '10' }))).toThrow(
      /links must be an integer/,
    );
  });
});

describe('rulesToPolicy (reference §D.6)', () => {
  it('returns null for no rules', () => {
    expect(rulesToPolicy(null)).toBeNull();
    expect(rulesToPolicy(undefined)).toBeNull();
  });

  it('builds the exact document, byte for byte as Go marshals it', () => {
    expect(
      rulesToPolicy({
        links: 5,
        cycle: '6h',
        prune: 2,
        prune_by: 'score',
        fill: 3,
        fill_how: 'random',
      }),
    ).toBe(
      '{"version":1,"config":{"cycle":"6h","max_peers":5},"rules":[' +
        '{"name":"cycle-prune-fill","on":"cycle","match":"true","actions":[{"type":"prune","params":{"by":"score","count":2}},{"type":"fill","params":{"count":3,"how":"random"}}]}]}',
    );
  });

  it('includes grace in config when set', () => {
    const doc = JSON.parse(rulesToPolicy({ ...base, links: 3, grace: '2h' })!);
    expect(doc.config).toEqual({ cycle: '24h', grace: '2h', max_peers: 3 });
    expect(Object.keys(doc.config)).toEqual(['cycle', 'grace', 'max_peers']);
    // Go's current wire.RulesToPolicy emits this one rule only (no `score-activity`).
    expect(doc.rules.map((r: { name: string }) => r.name)).toEqual(['cycle-prune-fill']);
  });
});

describe('allowedPortsToPolicy (reference §D.6)', () => {
  it('returns null for an empty list', () => {
    expect(allowedPortsToPolicy([])).toBeNull();
    expect(allowedPortsToPolicy(null)).toBeNull();
  });

  it('builds six rules in order with the port match expression', () => {
    const json = allowedPortsToPolicy([80, 443, 8080])!;
    const m = 'port in [80, 443, 8080]';
    expect(json).toBe(
      JSON.stringify({
        version: 1,
        rules: [
          { name: 'allow-ports', on: 'connect', match: m, actions: [{ type: 'allow' }] },
          { name: 'allow-ports-dg', on: 'datagram', match: m, actions: [{ type: 'allow' }] },
          { name: 'allow-ports-dial', on: 'dial', match: m, actions: [{ type: 'allow' }] },
          { name: 'deny-rest', on: 'connect', match: 'true', actions: [{ type: 'deny' }] },
          { name: 'deny-rest-dg', on: 'datagram', match: 'true', actions: [{ type: 'deny' }] },
          { name: 'deny-rest-dial', on: 'dial', match: 'true', actions: [{ type: 'deny' }] },
        ],
      }),
    );
    expect(allowedPortsToPolicy([22])).toContain('"port in [22]"');
  });

  it('rejects ports outside uint16', () => {
    expect(() => allowedPortsToPolicy([70000])).toThrow(
      expect.objectContaining({ code: 'OUT_OF_RANGE' }),
    );
  });
});
