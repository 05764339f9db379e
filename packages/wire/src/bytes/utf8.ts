// UTF-8 helpers with an ASCII fast path: registry strings (hostnames, tags, addresses, most JSON) are
// ASCII, and a plain loop beats a TextEncoder/TextDecoder call (a native boundary crossing) up to a
// few KiB.

const encoder = new TextEncoder();
// Not fatal: like Go's string(bytes), invalid UTF-8 never fails a decode (it becomes U+FFFD).
// ignoreBOM: Go's decoders (wire.DecodeLookupResp, DecodeResolveResp, DecodeError: `string(payload[a:b])`)
// keep a leading EF BB BF as U+FEFF; a default TextDecoder would silently drop it.
const decoder = new TextDecoder('utf-8', { ignoreBOM: true });

const FAST_LIMIT = 4096;
const APPLY_CHUNK = 1024;

/** UTF-8 bytes of `text`; lone surrogates become U+FFFD as with TextEncoder. */
export function utf8Encode(text: string): Uint8Array {
  const n = text.length;
  if (n <= FAST_LIMIT) {
    const out = new Uint8Array(n);
    for (let i = 0; i < n; i++) {
      const c = text.charCodeAt(i);
      if (c > 0x7f) return encoder.encode(text);
      out[i] = c;
    }
    return out;
  }
  return encoder.encode(text);
}

/** Decodes `bytes[start, end)` as UTF-8. The caller has already bounds-checked the range. */
export function utf8Decode(bytes: Uint8Array, start: number, end: number): string {
  const n = end - start;
  if (n === 0) return '';
  if (n <= FAST_LIMIT) {
    for (let i = start; i < end; i++) {
      if (bytes[i] > 0x7f) return decoder.decode(bytes.subarray(start, end));
    }
    if (n <= APPLY_CHUNK)
      return String.fromCharCode.apply(null, bytes.subarray(start, end) as unknown as number[]);
    let s = '';
    for (let i = start; i < end; i += APPLY_CHUNK) {
      s += String.fromCharCode.apply(
        null,
        bytes.subarray(i, Math.min(end, i + APPLY_CHUNK)) as unknown as number[],
      );
    }
    return s;
  }
  return decoder.decode(bytes.subarray(start, end));
}

/**
 * Writes `text` as UTF-8 into a fresh array at `offset`, leaving `offset` bytes in front for a header.
 * ASCII text is written straight into the output (one allocation); anything else goes via TextEncoder.
 */
export function utf8EncodeWithHeader(
  text: string,
  offset: number,
  allocate: (n: number) => Uint8Array,
): Uint8Array {
  const n = text.length;
  if (n <= FAST_LIMIT) {
    const out = allocate(offset + n);
    let i = 0;
    for (; i < n; i++) {
      const c = text.charCodeAt(i);
      if (c > 0x7f) break;
      out[offset + i] = c;
    }
    if (i === n) return out;
  }
  const body = encoder.encode(text);
  const out = allocate(offset + body.length);
  out.set(body, offset);
  return out;
}

/** Whether every char of `text` is ASCII (then its UTF-8 length is `text.length`). */
export function isAscii(text: string): boolean {
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) > 0x7f) return false;
  return true;
}
