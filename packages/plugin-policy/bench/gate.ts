/**
 * Gate evaluations per second: a 20-rule policy (19 rules that do not match, then the deciding
 * one) beside a no-policy baseline (the engine's gate with no runner: a plain allow), same run.
 * Run: pnpm --filter @mesh/plugin-policy run bench
 */
import type { Daemon, PortGateRequest } from '@mesh/daemonapi';
import { NetworkPolicyRunner, loadPolicy } from '@mesh/plugin-policy';

function bench(name: string, fn: () => void, minMs = 500): number {
  for (let i = 0; i < 1000; i++) fn();
  let n = 0;
  const start = process.hrtime.bigint();
  let elapsed = 0;
  while (elapsed < minMs) {
    for (let i = 0; i < 1000; i++) fn();
    n += 1000;
    elapsed = Number(process.hrtime.bigint() - start) / 1e6;
  }
  const rate = (n / elapsed) * 1000;
  console.log(`${name.padEnd(44)} ${Math.round(rate).toLocaleString('en-US').padStart(12)} /s`);
  return rate;
}

// The runner only needs these daemon calls on the gate path; a bench harness, not a test fake.
const daemon = {
  nodeId: () => 1,
  publishEvent: () => undefined,
  trustedPeers: () => [],
  adminToken: () => undefined,
  regConnListNodes: () => Promise.resolve([]),
} as unknown as Daemon;
const logger = { debug() {}, info() {}, warn() {}, error() {} };

const rules = Array.from({ length: 19 }, (_, i) => ({
  name: `r${i}`,
  on: i % 2 === 0 ? 'connect' : 'datagram',
  match: `port == ${10_000 + i} && has_tag(peer_tags, "t${i}") || size > ${1_000_000 + i}`,
  actions: [{ type: 'deny' }],
}));
rules.push({
  name: 'allow-web',
  on: 'connect',
  match: 'port in [80, 443, 1001] && network_id > 0',
  actions: [{ type: 'allow' }],
});
const runner = new NetworkPolicyRunner(
  7,
  loadPolicy({ version: 1, default_verdict: 'deny', rules }),
  { daemon, logger },
);
const request: PortGateRequest = {
  event: 'connect',
  port: 1001,
  peerNodeId: 2,
  payloadSize: 0,
  direction: 'inbound',
  localTags: ['a'],
  peerTags: ['b', 'c'],
};
if (!runner.evaluatePortGate(request)) throw new Error('the bench policy should allow port 1001');

let sink = 0;
const baseline = bench('no policy (engine gate without a runner)', () => {
  sink += request.port > 0 ? 1 : 0;
});
const gated = bench('20-rule policy: evaluatePortGate', () => {
  sink += runner.evaluatePortGate(request) ? 1 : 0;
});
console.log(
  `per evaluation: ${(1e6 / gated).toFixed(2)} µs (baseline ${(1e6 / baseline).toFixed(3)} µs); sink ${sink > 0}`,
);
