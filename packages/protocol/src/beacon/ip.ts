// IPv4/IPv6 text <-> bytes without node:net, so beacon endpoints stay runtime-neutral.
import { ProtocolError } from '../errors/protocol-error.js';

/** The `invalid-ip` error for `text`. */
function bad(text: string): ProtocolError {
  return new ProtocolError('invalid-ip', `invalid IP address ${JSON.stringify(text)}`);
}

/** Parses a dotted quad into `out` at `at`; false when malformed. */
function parseIpv4Into(text: string, out: Uint8Array, at: number): boolean {
  const parts = text.split('.');
  if (parts.length !== 4) return false;
  for (let i = 0; i < 4; i++) {
    const p = parts[i];
    // No leading zeros: "010" is octal in some parsers and ambiguous.
    if (!/^(0|[1-9][0-9]{0,2})$/.test(p)) return false;
    const v = Number(p);
    if (v > 255) return false;
    out[at + i] = v;
  }
  return true;
}

/** Parses IPv6 text without a zone; undefined when malformed. */
function parseIpv6(text: string): Uint8Array | undefined {
  const out = new Uint8Array(16);
  const halves = text.split('::');
  if (halves.length > 2) return undefined;
  const parseSide = (side: string): number[] | undefined => {
    if (side === '') return [];
    const groups = side.split(':');
    const words: number[] = [];
    for (let i = 0; i < groups.length; i++) {
      const g = groups[i];
      if (i === groups.length - 1 && g.includes('.')) {
        const v4 = new Uint8Array(4);
        if (!parseIpv4Into(g, v4, 0)) return undefined;
        words.push((v4[0] << 8) | v4[1], (v4[2] << 8) | v4[3]);
      } else {
        if (!/^[0-9a-fA-F]{1,4}$/.test(g)) return undefined;
        words.push(parseInt(g, 16));
      }
    }
    return words;
  };
  const head = parseSide(halves[0]);
  const tail = halves.length === 2 ? parseSide(halves[1]) : [];
  if (head === undefined || tail === undefined) return undefined;
  const total = head.length + tail.length;
  if (halves.length === 2 ? total > 7 : total !== 8) return undefined;
  head.forEach((w, i) => {
    out[i * 2] = w >>> 8;
    out[i * 2 + 1] = w & 0xff;
  });
  tail.forEach((w, i) => {
    const at = (8 - tail.length + i) * 2;
    out[at] = w >>> 8;
    out[at + 1] = w & 0xff;
  });
  return out;
}

/**
 * Parses IPv4 dotted-quad or IPv6 text (with `::`, embedded IPv4, and an ignored `%zone`).
 * @param text - e.g. `203.0.113.7` or `2001:db8::1`.
 * @returns 4 bytes for IPv4, 16 for IPv6.
 * @throws ProtocolError `invalid-ip`.
 */
export function parseIp(text: string): Uint8Array {
  if (text.includes(':')) {
    const zone = text.indexOf('%');
    const bytes = parseIpv6(zone >= 0 ? text.slice(0, zone) : text);
    if (bytes === undefined) throw bad(text);
    return bytes;
  }
  const out = new Uint8Array(4);
  if (!parseIpv4Into(text, out, 0)) throw bad(text);
  return out;
}

/**
 * @param bytes - 16 IPv6 bytes.
 * @returns true for an IPv4-mapped address `::ffff:a.b.c.d`.
 */
export function isIpv4Mapped(bytes: Uint8Array): boolean {
  if (bytes.length !== 16) return false;
  for (let i = 0; i < 10; i++) if (bytes[i] !== 0) return false;
  return bytes[10] === 0xff && bytes[11] === 0xff;
}

/**
 * Formats 4 or 16 address bytes: dotted quad, or RFC 5952 IPv6 text (lower case, longest run
 * of two or more zero groups shortened to `::`, IPv4-mapped as `::ffff:a.b.c.d`).
 * @param bytes - 4 or 16 bytes.
 * @returns the text form.
 * @throws ProtocolError `invalid-ip` for any other length.
 */
export function formatIp(bytes: Uint8Array): string {
  if (bytes.length === 4) return `${bytes[0]}.${bytes[1]}.${bytes[2]}.${bytes[3]}`;
  if (bytes.length !== 16) {
    throw new ProtocolError('invalid-ip', `an IP address is 4 or 16 bytes, got ${bytes.length}`);
  }
  if (isIpv4Mapped(bytes)) return `::ffff:${formatIp(bytes.subarray(12))}`;
  const words: number[] = [];
  for (let i = 0; i < 8; i++) words.push((bytes[i * 2] << 8) | bytes[i * 2 + 1]);
  let bestAt = -1;
  let bestLen = 1;
  for (let i = 0; i < 8;) {
    if (words[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && words[j] === 0) j++;
    if (j - i > bestLen) {
      bestAt = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = (ws: number[]): string => ws.map((w) => w.toString(16)).join(':');
  if (bestAt < 0) return hex(words);
  return `${hex(words.slice(0, bestAt))}::${hex(words.slice(bestAt + bestLen))}`;
}
