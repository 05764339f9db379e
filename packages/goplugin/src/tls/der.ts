// A minimal DER encoder: just the ASN.1 types an X.509 certificate needs.

/** One DER element (tag + length + body). */
export function tlv(tag: number, ...parts: Uint8Array[]): Buffer {
  const body = Buffer.concat(parts);
  return Buffer.concat([Buffer.from([tag]), length(body.length), body]);
}

/** A DER length: short form below 128, long form above. */
function length(n: number): Buffer {
  if (n < 0x80) return Buffer.from([n]);
  const bytes: number[] = [];
  for (let v = n; v > 0; v = Math.floor(v / 256)) bytes.unshift(v & 0xff);
  return Buffer.from([0x80 | bytes.length, ...bytes]);
}

/** SEQUENCE. */
export const seq = (...parts: Uint8Array[]): Buffer => tlv(0x30, ...parts);
/** SET. */
export const set = (...parts: Uint8Array[]): Buffer => tlv(0x31, ...parts);

/** INTEGER from unsigned big-endian bytes. */
export function uint(bytes: Uint8Array): Buffer {
  let start = 0;
  while (start < bytes.length - 1 && bytes[start] === 0) start++;
  const trimmed = Buffer.from(bytes.subarray(start));
  return tlv(0x02, (trimmed[0] ?? 0) & 0x80 ? Buffer.concat([Buffer.from([0]), trimmed]) : trimmed);
}

/** OBJECT IDENTIFIER from dotted text. */
export function oid(dotted: string): Buffer {
  const [a = 0, b = 0, ...rest] = dotted.split('.').map(Number);
  const out = [a * 40 + b];
  for (const arc of rest) {
    const chunk: number[] = [arc & 0x7f];
    for (let v = Math.floor(arc / 128); v > 0; v = Math.floor(v / 128))
      chunk.unshift((v & 0x7f) | 0x80);
    out.push(...chunk);
  }
  return tlv(0x06, Buffer.from(out));
}

/** UTF8String. */
export const utf8 = (text: string): Buffer => tlv(0x0c, Buffer.from(text, 'utf8'));
/** BOOLEAN true. */
export const yes = (): Buffer => tlv(0x01, Buffer.from([0xff]));
/** OCTET STRING. */
export const octets = (bytes: Uint8Array): Buffer => tlv(0x04, bytes);
/** BIT STRING with `unused` trailing bits. */
export const bits = (bytes: Uint8Array, unused = 0): Buffer =>
  tlv(0x03, Buffer.from([unused]), bytes);

/** UTCTime (dates before 2050). */
export function utcTime(date: Date): Buffer {
  const p = (n: number): string => String(n).padStart(2, '0');
  const text =
    p(date.getUTCFullYear() % 100) +
    p(date.getUTCMonth() + 1) +
    p(date.getUTCDate()) +
    p(date.getUTCHours()) +
    p(date.getUTCMinutes()) +
    p(date.getUTCSeconds()) +
    'Z';
  return tlv(0x17, Buffer.from(text, 'ascii'));
}
