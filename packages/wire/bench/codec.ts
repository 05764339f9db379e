// Encode/decode rate of binary frames vs the equivalent JSON-mode message, measured in the same run.
// Run: pnpm --filter @mesh/wire run bench   (set BENCH_MS to change the time per case, default 1000)
import {
  MsgType,
  decodeFrame,
  decodeHeartbeatReq,
  decodeHeartbeatResp,
  decodeLookupResp,
  decodeMessage,
  encodeFrame,
  encodeHeartbeatReq,
  encodeHeartbeatResp,
  encodeLookupResp,
  encodeMessage,
} from '../src/index.js';
import type { LookupResult } from '../src/index.js';

const SLICE_MS = Number(process.env.BENCH_SLICE_MS ?? 50);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 15);
let sink = 0; // consumed results, so nothing is optimised away

/** ops/s of `fn` over one time slice. */
function slice(fn: () => unknown): number {
  let ops = 0;
  const start = performance.now();
  let now = start;
  while (now - start < SLICE_MS) {
    for (let i = 0; i < 500; i++) {
      if (fn() === undefined) sink++;
    }
    ops += 500;
    now = performance.now();
  }
  return (ops * 1000) / (now - start);
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[xs.length >> 1];

/**
 * Measures the three contenders in interleaved slices (binary, JSON.*, JSON message, repeat) and
 * reports each one's median, so machine load hits all of them alike and the ratios stay stable.
 */
function compare(fns: [() => unknown, () => unknown, () => unknown]): [number, number, number] {
  for (const fn of fns) for (let i = 0; i < 20_000; i++) fn(); // warm up
  const runs: [number[], number[], number[]] = [[], [], []];
  for (let r = 0; r < ROUNDS; r++) fns.forEach((fn, i) => runs[i].push(slice(fn)));
  return [median(runs[0]), median(runs[1]), median(runs[2])];
}

const pubKey = Uint8Array.from({ length: 32 }, (_, i) => i * 7);
const signature = Uint8Array.from({ length: 64 }, (_, i) => i);
const b64 = (b: Uint8Array): string => btoa(String.fromCharCode(...b));

const lookup: LookupResult = {
  nodeId: 123456,
  public: true,
  taskExec: false,
  networks: [1, 7, 42],
  pubKey,
  hostname: 'agent-7.example',
  tags: ['gpu', 'eu-west', 'llm'],
  realAddr: '203.0.113.7:4000',
  externalId: 'ext-123',
};
// The JSON-mode lookup_ok carrying the same facts (reference §D.3 field names).
const lookupJson = {
  type: 'lookup_ok',
  node_id: 123456,
  address: '0:0001.E240',
  networks: [1, 7, 42],
  public_key: b64(pubKey),
  public: true,
  hostname: 'agent-7.example',
  tags: ['gpu', 'eu-west', 'llm'],
  task_exec: false,
  real_addr: '203.0.113.7:4000',
  external_id: 'ext-123',
};
const heartbeatJson = { type: 'heartbeat', node_id: 123456, signature: b64(signature) };
const heartbeatOkJson = { key_expiry_warning: true, time: 1_700_000_000, type: 'heartbeat_ok' };

const lookupFrame = encodeFrame(MsgType.LOOKUP_OK, encodeLookupResp(lookup));
const heartbeatFrame = encodeFrame(MsgType.HEARTBEAT, encodeHeartbeatReq(123456, signature));
const heartbeatOkFrame = encodeFrame(
  MsgType.HEARTBEAT_OK,
  encodeHeartbeatResp(1_700_000_000, true),
);
const lookupText = JSON.stringify(lookupJson);
const heartbeatText = JSON.stringify(heartbeatJson);
const heartbeatOkText = JSON.stringify(heartbeatOkJson);
const lookupMessage = encodeMessage(lookupJson);
const heartbeatMessage = encodeMessage(heartbeatJson);
const heartbeatOkMessage = encodeMessage(heartbeatOkJson);

interface Row {
  name: string;
  bytes: number;
  jsonBytes: number;
  binary: number;
  stringify: number;
  message: number;
}

function rates(
  fns: [() => unknown, () => unknown, () => unknown],
): Pick<Row, 'binary' | 'stringify' | 'message'> {
  const [binary, stringify, message] = compare(fns);
  return { binary, stringify, message };
}

const rows: Row[] = [
  {
    name: 'lookup response  encode',
    bytes: lookupFrame.length,
    jsonBytes: lookupMessage.length,
    ...rates([
      () => encodeFrame(MsgType.LOOKUP_OK, encodeLookupResp(lookup)),
      () => JSON.stringify(lookupJson),
      () => encodeMessage(lookupJson),
    ]),
  },
  {
    name: 'lookup response  decode',
    bytes: lookupFrame.length,
    jsonBytes: lookupMessage.length,
    ...rates([
      () => decodeLookupResp(decodeFrame(lookupFrame).payload),
      () => JSON.parse(lookupText) as unknown,
      () => decodeMessage(lookupMessage),
    ]),
  },
  {
    name: 'heartbeat request  encode',
    bytes: heartbeatFrame.length,
    jsonBytes: heartbeatMessage.length,
    ...rates([
      () => encodeFrame(MsgType.HEARTBEAT, encodeHeartbeatReq(123456, signature)),
      () => JSON.stringify(heartbeatJson),
      () => encodeMessage(heartbeatJson),
    ]),
  },
  {
    name: 'heartbeat request  decode',
    bytes: heartbeatFrame.length,
    jsonBytes: heartbeatMessage.length,
    ...rates([
      () => decodeHeartbeatReq(decodeFrame(heartbeatFrame).payload),
      () => JSON.parse(heartbeatText) as unknown,
      () => decodeMessage(heartbeatMessage),
    ]),
  },
  {
    name: 'heartbeat response encode',
    bytes: heartbeatOkFrame.length,
    jsonBytes: heartbeatOkMessage.length,
    ...rates([
      () => encodeFrame(MsgType.HEARTBEAT_OK, encodeHeartbeatResp(1_700_000_000, true)),
      () => JSON.stringify(heartbeatOkJson),
      () => encodeMessage(heartbeatOkJson),
    ]),
  },
  {
    name: 'heartbeat response decode',
    bytes: heartbeatOkFrame.length,
    jsonBytes: heartbeatOkMessage.length,
    ...rates([
      () => decodeHeartbeatResp(decodeFrame(heartbeatOkFrame).payload),
      () => JSON.parse(heartbeatOkText) as unknown,
      () => decodeMessage(heartbeatOkMessage),
    ]),
  },
];

const fmt = (n: number): string => `${(n / 1e6).toFixed(2)} M/s`;
console.log(
  `@mesh/wire codec bench — Node ${process.version}, median of ${ROUNDS} interleaved ${SLICE_MS} ms slices per contender, ops/s (higher is better)\n`,
);
console.log(
  '| operation | binary frame | JSON.parse / JSON.stringify | JSON message (encodeMessage / decodeMessage) | binary vs JSON.* | wire bytes binary / JSON |',
);
console.log('| --- | ---: | ---: | ---: | ---: | ---: |');
for (const r of rows) {
  console.log(
    `| ${r.name.replace(/\s+/g, ' ')} | ${fmt(r.binary)} | ${fmt(r.stringify)} | ${fmt(r.message)} | ${(r.binary / r.stringify).toFixed(1)}× | ${r.bytes} / ${r.jsonBytes} |`,
  );
}
if (sink < 0) console.log(sink);
