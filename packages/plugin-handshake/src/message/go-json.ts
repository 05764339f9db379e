// JSON text the way Go's encoding/json writes it, so our bytes (and the replay hash over the
// re-serialised message) match a Go node's: Go escapes <, > and & as \u003c \u003e \u0026 and the
// line separators U+2028 / U+2029, which JSON.stringify leaves alone. Facts from Go's
// encoding/json (encodeState.string, compact) — read, not copied.

const GO_ESCAPES: Readonly<Record<string, string>> = {
  '<': '\\u003c',
  '>': '\\u003e',
  '&': '\\u0026',
  '\u2028': '\\u2028',
  '\u2029': '\\u2029',
};

/**
 * A JSON string literal as Go's `json.Marshal` writes it.
 * @param value - the string.
 * @returns the quoted literal.
 */
export function goQuote(value: string): string {
  // JSON.stringify already escapes control characters the way Go does (\n, \t, \u00XX) and keeps
  // other non-ASCII text as UTF-8; only the HTML-safe and line-separator escapes differ.
  return JSON.stringify(value).replace(/[<>&\u2028\u2029]/g, (c) => GO_ESCAPES[c] ?? c);
}

/**
 * Removes insignificant whitespace from JSON text and applies Go's HTML-safe escapes inside
 * strings, as Go's `json.Marshal` does with a `json.RawMessage` (it compacts it).
 * @param text - valid JSON text.
 * @returns the compact form.
 */
export function goCompact(text: string): string {
  let out = '';
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (inString) {
      if (c === '\\') {
        out += c + (text[i + 1] ?? '');
        i++;
        continue;
      }
      if (c === '"') inString = false;
      out += GO_ESCAPES[c] ?? c;
      continue;
    }
    if (c === '"') {
      inString = true;
      out += c;
    } else if (c !== ' ' && c !== '\t' && c !== '\n' && c !== '\r') out += c;
  }
  return out;
}
