import { describe, expect, it } from 'vitest';
import { WireError, parseGoDuration, parseGoDurationMs } from '../src/index.js';

// Expected values are Go's time.ParseDuration results (cases from Go's own time package tests
// and the reference's rule vectors), in nanoseconds.
const NS = 1n;
const US = 1000n * NS;
const MS = 1000n * US;
const S = 1000n * MS;
const M = 60n * S;
const H = 60n * M;

const valid: [string, bigint][] = [
  ['0', 0n],
  ['-0', 0n],
  ['+0', 0n],
  ['5s', 5n * S],
  ['30s', 30n * S],
  ['1478s', 1478n * S],
  ['-5s', -5n * S],
  ['+5s', 5n * S],
  ['-0s', 0n],
  ['5.0s', 5n * S],
  ['5.6s', 5n * S + 600n * MS],
  ['5.s', 5n * S],
  ['.5s', 500n * MS],
  ['1.0s', 1n * S],
  ['1.00s', 1n * S],
  ['1.004s', 1n * S + 4n * MS],
  ['1.0040s', 1n * S + 4n * MS],
  ['100.00100s', 100n * S + 1n * MS],
  ['10ns', 10n * NS],
  ['11us', 11n * US],
  ['12µs', 12n * US],
  ['12μs', 12n * US],
  ['13ms', 13n * MS],
  ['500ms', 500n * MS],
  ['14s', 14n * S],
  ['15m', 15n * M],
  ['30m', 30n * M],
  ['16h', 16n * H],
  ['24h', 24n * H],
  ['12h', 12n * H],
  ['1h30m', H + 30n * M],
  ['3h30m', 3n * H + 30n * M],
  ['10.5s4m', 4n * M + 10n * S + 500n * MS],
  ['-2m3.4s', -(2n * M + 3n * S + 400n * MS)],
  ['1h2m3s4ms5us6ns', H + 2n * M + 3n * S + 4n * MS + 5n * US + 6n * NS],
  ['39h9m14.425s', 39n * H + 9n * M + 14n * S + 425n * MS],
  ['52763797000ns', 52763797000n * NS],
  ['0.3333333333333333333h', 20n * M],
  ['9007199254740993ns', (1n << 53n) + 1n],
  ['9223372036854775807ns', (1n << 63n) - 1n],
  ['9223372036854775.807us', (1n << 63n) - 1n],
  ['9223372036s854ms775us807ns', (1n << 63n) - 1n],
  ['-9223372036854775808ns', -(1n << 63n)],
  ['-9223372036854775.808us', -(1n << 63n)],
  ['-9223372036s854ms775us808ns', -(1n << 63n)],
  ['-2562047h47m16.854775808s', -(1n << 63n)],
  ['0.100000000000000000000h', 6n * M],
  ['0.830103483285477580700h', 49n * M + 48n * S + 372539827n * NS],
];

const invalid: [string, RegExp][] = [
  ['', /invalid duration ""/],
  ['3', /missing unit in duration "3"/],
  ['-', /invalid duration/],
  ['s', /invalid duration/],
  ['.', /invalid duration/],
  ['-.', /invalid duration/],
  ['.s', /invalid duration/],
  ['+.s', /invalid duration/],
  ['1d', /unknown unit "d" in duration "1d"/],
  ['\x85\x85', /invalid duration "\\xc2\\x85\\xc2\\x85"/],
  ['\xffff', /invalid duration/],
  ['hello \xffff world', /invalid duration/],
  ['9223372036854775808ns', /invalid duration/],
  ['9223372036854775.808us', /invalid duration/],
  ['9223372036854ms775us808ns', /invalid duration/],
  ['-9223372036854775809ns', /invalid duration/],
  ['bogus', /invalid duration "bogus"/],
  ['not-a-duration', /invalid duration/],
  ['1h-', /unknown unit "h-"/],
  ['1 h', /unknown unit " h"/],
  ['00', /missing unit/],
];

describe('parseGoDuration matches Go time.ParseDuration', () => {
  for (const [text, ns] of valid) {
    it(`${JSON.stringify(text)} → ${ns}ns`, () => expect(parseGoDuration(text)).toBe(ns));
  }
  for (const [text, message] of invalid) {
    it(`${JSON.stringify(text)} is rejected`, () => {
      expect(() => parseGoDuration(text)).toThrow(WireError);
      expect(() => parseGoDuration(text)).toThrow(message);
    });
  }
  it('converts to milliseconds for timers', () => {
    expect(parseGoDurationMs('1.5s')).toBe(1500);
    expect(parseGoDurationMs('24h')).toBe(86_400_000);
    expect(parseGoDurationMs('999us')).toBe(0);
  });
});
