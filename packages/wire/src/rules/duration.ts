import { WireError } from '../errors/wire-error.js';

// Go's time.ParseDuration, reimplemented from its documented grammar
// `[-+]?([0-9]*(\.[0-9]*)?[a-z]+)+` and its overflow rules (int64 nanoseconds; the fraction is
// scaled through float64 exactly as Go does, so results match to the nanosecond).

const LIMIT = 1n << 63n;
const UNITS: Record<string, bigint> = {
  ns: 1n,
  us: 1_000n,
  µs: 1_000n, // U+00B5 micro sign
  μs: 1_000n, // U+03BC Greek mu
  ms: 1_000_000n,
  s: 1_000_000_000n,
  m: 60_000_000_000n,
  h: 3_600_000_000_000n,
};

/** Go's `%q`-like quoting used in time's error messages (non-ASCII and controls as `\x..` bytes). */
function quote(s: string): string {
  let out = '"';
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    if (c < 0x20 || c >= 0x7f) {
      for (const b of new TextEncoder().encode(ch)) out += `\\x${b.toString(16).padStart(2, '0')}`;
    } else {
      out += ch === '"' || ch === '\\' ? `\\${ch}` : ch;
    }
  }
  return `${out}"`;
}

const isDigit = (c: number): boolean => c >= 48 && c <= 57;

/**
 * Parses a Go duration string (`"24h"`, `"1h30m"`, `"-1.5h"`, `"500ms"`, `"0"`) exactly as Go's
 * `time.ParseDuration` does, returning nanoseconds as a bigint (Go's int64 `Duration`). Units: ns, us
 * (µs, μs), ms, s, m, h. Throws INVALID with Go's message (`time: invalid duration "…"`,
 * `time: missing unit in duration "…"`, `time: unknown unit "…" in duration "…"`).
 *
 * @example
 * ```ts
 * parseGoDuration('1h30m'); // 5_400_000_000_000n
 * ```
 */
export function parseGoDuration(text: string): bigint {
  const invalid = (): WireError =>
    new WireError('INVALID', `time: invalid duration ${quote(text)}`);
  if (typeof text !== 'string') throw new WireError('INVALID', 'a duration must be a string');
  let s = text;
  let neg = false;
  if (s !== '' && (s[0] === '-' || s[0] === '+')) {
    neg = s[0] === '-';
    s = s.slice(1);
  }
  if (s === '0') return 0n;
  if (s === '') throw invalid();
  let d = 0n;
  let i = 0;
  while (i < s.length) {
    const first = s.charCodeAt(i);
    if (!(first === 46 || isDigit(first))) throw invalid();
    // Integer part.
    let v = 0n;
    const intStart = i;
    while (i < s.length && isDigit(s.charCodeAt(i))) {
      if (v > LIMIT / 10n) throw invalid();
      v = v * 10n + BigInt(s.charCodeAt(i) - 48);
      if (v > LIMIT) throw invalid();
      i++;
    }
    const pre = i !== intStart;
    // Fraction: stops gaining precision on overflow instead of failing.
    let f = 0n;
    let scale = 1;
    let post = false;
    if (i < s.length && s.charCodeAt(i) === 46) {
      i++;
      const fracStart = i;
      let overflow = false;
      while (i < s.length && isDigit(s.charCodeAt(i))) {
        if (!overflow) {
          if (f > (LIMIT - 1n) / 10n) overflow = true;
          else {
            const y = f * 10n + BigInt(s.charCodeAt(i) - 48);
            if (y > LIMIT) overflow = true;
            else {
              f = y;
              scale *= 10;
            }
          }
        }
        i++;
      }
      post = i !== fracStart;
    }
    if (!pre && !post) throw invalid();
    // Unit: everything up to the next digit or dot.
    const unitStart = i;
    while (i < s.length) {
      const c = s.charCodeAt(i);
      if (c === 46 || isDigit(c)) break;
      i++;
    }
    if (i === unitStart)
      throw new WireError('INVALID', `time: missing unit in duration ${quote(text)}`);
    const name = s.slice(unitStart, i);
    const unit = Object.prototype.hasOwnProperty.call(UNITS, name) ? UNITS[name] : undefined;
    if (unit === undefined) {
      throw new WireError(
        'INVALID',
        `time: unknown unit ${quote(name)} in duration ${quote(text)}`,
      );
    }
    if (v > LIMIT / unit) throw invalid();
    v *= unit;
    if (f > 0n) {
      v += BigInt(Math.trunc(Number(f) * (Number(unit) / scale)));
      if (v > LIMIT) throw invalid();
    }
    d += v;
    if (d > LIMIT) throw invalid();
  }
  if (neg) return -d;
  if (d > LIMIT - 1n) throw invalid();
  return d;
}

/**
 * {@link parseGoDuration} in whole milliseconds (truncated toward zero), for timers.
 *
 * @example
 * ```ts
 * parseGoDurationMs('1.5s'); // 1500
 * ```
 */
export function parseGoDurationMs(text: string): number {
  return Number(parseGoDuration(text) / 1_000_000n);
}
