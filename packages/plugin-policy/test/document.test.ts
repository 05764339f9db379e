import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { PolicyError, loadPolicy, readStates, writeState } from '../src/index.js';

const rule = (over: Record<string, unknown> = {}) => ({
  name: 'r',
  on: 'connect',
  match: 'true',
  actions: [{ type: 'allow' }],
  ...over,
});
const doc = (over: Record<string, unknown> = {}) => ({ version: 1, rules: [rule()], ...over });

describe('policy document', () => {
  it('loads every action type and the config', () => {
    const p = loadPolicy(
      JSON.stringify({
        version: 1,
        default_verdict: 'deny',
        config: { cycle: '1s', grace: '30s', max_peers: 3, reconcile: '200ms' },
        rules: [
          rule(),
          rule({ name: 'tag', actions: [{ type: 'tag', params: { add: ['seen'] } }] }),
          rule({ name: 'evict', on: 'cycle', actions: [{ type: 'evict' }] }),
          rule({
            name: 'ew',
            on: 'cycle',
            actions: [{ type: 'evict_where', params: { match: 'peer_age_s > 10' } }],
          }),
          rule({
            name: 'pf',
            on: 'cycle',
            actions: [
              { type: 'prune', params: { count: 1, by: 'activity' } },
              { type: 'fill', params: { count: 1 } },
            ],
          }),
          rule({
            name: 'pt',
            on: 'cycle',
            actions: [
              { type: 'prune_trust', params: { percent: 50, min: 1, by: 'random' } },
              { type: 'fill_trust', params: { target: 2 } },
            ],
          }),
          rule({
            name: 'wh',
            on: 'join',
            actions: [
              { type: 'webhook', params: { event: 'joined', data: { a: 1 } } },
              { type: 'log', params: { message: 'hi', level: 'warn' } },
            ],
          }),
          rule({
            name: 'legacy',
            on: 'datagram',
            actions: [{ type: 'score', params: { delta: 1 } }],
          }),
        ],
      }),
    );
    expect(p).toMatchObject({
      defaultVerdict: 'deny',
      cycleMs: 1000,
      graceMs: 30_000,
      maxPeers: 3,
      reconcileMs: 200,
    });
    expect(p.rules.map((r) => r.verdict)).toEqual([
      'allow',
      undefined,
      undefined,
      undefined,
      undefined,
      undefined,
      undefined,
      undefined,
    ]);
  });

  it('refuses bad documents whole, naming the rule and field', () => {
    const cases: [unknown, RegExp][] = [
      ['{not json', /document: not valid JSON/],
      [doc({ version: 2 }), /version: must be 1/],
      [doc({ default_verdict: 'maybe' }), /default_verdict/],
      [doc({ config: { cycle: '10ms' } }), /config\.cycle: must be at least 1s/],
      [doc({ config: { cycle: 'soon' } }), /config\.cycle: invalid duration/],
      [doc({ config: { max_peers: -1 } }), /config\.max_peers/],
      [doc({ rules: 'x' }), /rules: must be an array/],
      [doc({ rules: [rule({ name: '' })] }), /rules\[0\]\.name: is required/],
      [doc({ rules: [rule(), rule()] }), /rules\[1\] \("r"\)\.name: duplicate/],
      [doc({ rules: [rule({ on: 'boot' })] }), /rules\[0\] \("r"\)\.on: unknown event "boot"/],
      [doc({ rules: [rule({ match: 'peer.x' })] }), /rules\[0\] \("r"\)\.match: member access/],
      [doc({ rules: [rule({ actions: [] })] }), /actions: needs at least one action/],
      [
        doc({ rules: [rule({ actions: [{ type: 'explode' }] })] }),
        /actions\[0\]\.type: unknown action "explode"/,
      ],
      [
        doc({ rules: [rule({ actions: [{ type: 'tag', params: {} }] })] }),
        /actions\[0\]\.params: tag needs/,
      ],
      [
        doc({ rules: [rule({ actions: [{ type: 'prune', params: { count: 1.5 } }] })] }),
        /params\.count/,
      ],
      [
        doc({ rules: [rule({ actions: [{ type: 'prune_trust', params: { percent: 150 } }] })] }),
        /params\.percent/,
      ],
      [
        doc({
          rules: [
            rule({ actions: [{ type: 'evict_where', params: { match: 'filter(x, true)' } }] }),
          ],
        }),
        /params\.match: the filter\(\) builtin/,
      ],
      [
        doc({ rules: [rule({ actions: [{ type: 'webhook', params: {} }] })] }),
        /params\.event: is required/,
      ],
      [doc({ rules: [rule({ on: 'cycle' })] }), /config\.cycle: is required/],
    ];
    for (const [input, message] of cases) {
      let err: unknown;
      try {
        loadPolicy(typeof input === 'string' ? input : JSON.stringify(input));
      } catch (e) {
        err = e;
      }
      expect(err, String(message)).toBeInstanceOf(PolicyError);
      expect((err as PolicyError).code).toBe('POLICY_INVALID');
      expect((err as Error).message).toMatch(message);
    }
  });
});

describe('state file', () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });

  it('is written atomically with mode 0600 and read back; torn files are skipped', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'mesh-policy-'));
    dirs.push(dir);
    const state = {
      network_id: 7,
      policy: JSON.stringify(doc()),
      peers: [{ node_id: 3, joined_at: 1, last_seen: 2, tags: ['a'] }],
      joined_at: 5,
      cycle_num: 4,
      evicted: [{ node_id: 9, until: 100 }],
    };
    await writeState(dir, state);
    const file = path.join(dir, 'policy_7.json');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual(state);
    writeFileSync(path.join(dir, 'policy_8.json'), '{"network_id": 8, "pol');
    const bad: string[] = [];
    expect(await readStates(dir, (f) => bad.push(path.basename(f)))).toEqual([state]);
    expect(bad).toEqual(['policy_8.json']);
  });
});
