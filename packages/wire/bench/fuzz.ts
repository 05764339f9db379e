// Feeds a million random and mutated inputs to every decoder and counts failures that are not a
// WireError (crashes, RangeErrors, TypeErrors…). Exits 1 if there is any.
// Run: pnpm --filter @mesh/wire run fuzz   (FUZZ_COUNT=… FUZZ_SEED=… to change size and seed)
import {
  FrameDecoder,
  MessageDecoder,
  WireError,
  decodeError,
  decodeFrame,
  decodeHeartbeatReq,
  decodeHeartbeatResp,
  decodeLookupReq,
  decodeLookupResp,
  decodeMessage,
  decodeResolveReq,
  decodeResolveResp,
  detectProtocol,
  parseBlueprint,
  parseGoDuration,
  parseRules,
} from '../src/index.js';
import { goldenFrames, goldenMessages, hex } from '../test/fixtures/goldens.js';

const COUNT = Number(process.env.FUZZ_COUNT ?? 1_000_000);
let seed = Number(process.env.FUZZ_SEED ?? 0x9e3779b9) >>> 0;
const startSeed = seed;

// xorshift32: deterministic, so a failure can be replayed with the printed seed.
function rand(): number {
  seed ^= seed << 13;
  seed >>>= 0;
  seed ^= seed >>> 17;
  seed ^= seed << 5;
  seed >>>= 0;
  return seed;
}
const below = (n: number): number => rand() % n;

const frames = goldenFrames.map((g) => hex(g.frame));
const payloads = frames.map((f) => f.subarray(5));
const messages = goldenMessages.map((m) => hex(m.bytes));
const seeds = [...frames, ...payloads, ...messages];
const texts = [
  '{"links":10,"cycle":"24h","prune":3,"prune_by":"score","fill":3,"fill_how":"random","grace":"30m"}',
  '{"name":"corp","join_rule":"token","join_token":"t","policy":{"allowed_ports":[80,443]},"roles":[{"external_id":"u","role":"admin"}],"identity_provider":{"type":"oidc","url":"https://a.b"},"webhooks":{"audit_url":"http://[fe80::1]/"},"audit_export":{"format":"json","endpoint":"https://x.y"},"expr_policy":{"version":1,"rules":[1]}}',
  '1h30m',
  '-9223372036854775.808us',
];

function randomBytes(): Uint8Array {
  const out = new Uint8Array(below(96));
  for (let i = 0; i < out.length; i++) out[i] = below(256);
  return out;
}

function mutate(src: Uint8Array): Uint8Array {
  let b = src.slice();
  const edits = 1 + below(4);
  for (let e = 0; e < edits; e++) {
    switch (below(6)) {
      case 0: // flip a bit
        if (b.length) b[below(b.length)] ^= 1 << below(8);
        break;
      case 1: // set a byte to an edge value
        if (b.length) b[below(b.length)] = [0, 1, 0x7f, 0x80, 0xfe, 0xff][below(6)]!;
        break;
      case 2: // truncate
        b = b.subarray(0, below(b.length + 1));
        break;
      case 3: {
        // append random bytes
        const tail = randomBytes().subarray(0, below(16));
        const out = new Uint8Array(b.length + tail.length);
        out.set(b);
        out.set(tail, b.length);
        b = out;
        break;
      }
      case 4: // big-endian length fields: overwrite 2 or 4 bytes with 0xff…
        if (b.length >= 4) b.fill(0xff, below(b.length - 3), below(2) ? 2 : 4);
        break;
      default: {
        // splice two seeds
        const other = seeds[below(seeds.length)];
        const cut = below(b.length + 1);
        const out = new Uint8Array(cut + other.length - Math.min(cut, other.length));
        out.set(b.subarray(0, cut));
        out.set(other.subarray(Math.min(cut, other.length)), cut);
        b = out;
      }
    }
  }
  return b;
}

function mutateText(src: string): string {
  const chars = [...src];
  const edits = 1 + below(4);
  for (let e = 0; e < edits && chars.length; e++) {
    const at = below(chars.length);
    if (below(2)) chars.splice(at, 1);
    else chars[at] = String.fromCharCode([below(128), 0xd800 + below(2048), 0x2028][below(3)]);
  }
  return chars.join('');
}

const byteDecoders: [string, (b: Uint8Array) => unknown][] = [
  ['decodeHeartbeatReq', decodeHeartbeatReq],
  ['decodeHeartbeatResp', decodeHeartbeatResp],
  ['decodeLookupReq', decodeLookupReq],
  ['decodeLookupResp', decodeLookupResp],
  ['decodeResolveReq', decodeResolveReq],
  ['decodeResolveResp', decodeResolveResp],
  ['decodeError', decodeError],
  ['decodeFrame', decodeFrame],
  ['decodeMessage', decodeMessage],
  ['detectProtocol', detectProtocol],
  [
    'FrameDecoder',
    (b) => {
      const d = new FrameDecoder({
        maxSize: 1 << 16,
        expectPreamble: b.length > 0 && b[0] & 1 ? true : false,
      });
      const cut = b.length >> 1;
      d.push(b.subarray(0, cut));
      d.push(b.subarray(cut));
      d.end();
    },
  ],
  [
    'MessageDecoder',
    (b) => {
      const d = new MessageDecoder({ maxSize: 1 << 16 });
      d.push(b);
      d.end();
    },
  ],
];
const textDecoders: [string, (t: string) => unknown][] = [
  ['parseRules', parseRules],
  ['parseBlueprint', parseBlueprint],
  ['parseGoDuration', parseGoDuration],
];

const failures = new Map<string, { count: number; example: string }>();
let calls = 0;
function run(name: string, fn: () => unknown, describe: () => string): void {
  calls++;
  try {
    fn();
  } catch (e) {
    if (e instanceof WireError) return;
    const key = `${name}: ${e instanceof Error ? `${e.name}: ${e.message}` : String(e)}`;
    const f = failures.get(key) ?? { count: 0, example: describe() };
    f.count++;
    failures.set(key, f);
  }
}

// Nearly every input is rejected; skip stack capture so a million WireErrors stay cheap.
Error.stackTraceLimit = 0;
const started = performance.now();
for (let i = 0; i < COUNT; i++) {
  if (i % 8 === 7) {
    const text = mutateText(texts[below(texts.length)]);
    for (const [name, fn] of textDecoders)
      run(
        name,
        () => fn(text),
        () => JSON.stringify(text),
      );
    continue;
  }
  const input = below(3) === 0 ? randomBytes() : mutate(seeds[below(seeds.length)]);
  for (const [name, fn] of byteDecoders)
    run(
      name,
      () => fn(input),
      () => Buffer.from(input).toString('hex'),
    );
}
const seconds = (performance.now() - started) / 1000;
const nonWire = [...failures.values()].reduce((n, f) => n + f.count, 0);

console.log(
  `@mesh/wire fuzz: ${COUNT.toLocaleString('en')} inputs, ${calls.toLocaleString('en')} decoder calls in ${seconds.toFixed(1)} s (seed ${startSeed})`,
);
console.log(`non-WireError failures: ${nonWire}`);
for (const [key, f] of failures) console.log(`  ${f.count}× ${key}\n     e.g. ${f.example}`);
process.exit(nonWire === 0 ? 0 : 1);
