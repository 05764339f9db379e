// Go's json.Marshal compacts a json.RawMessage: insignificant whitespace goes and <, >, &,
// U+2028, U+2029 inside strings become \u escapes. The signed payload is built that way
// (facts from Go's encoding/json compact and trustedagents VerifyAndStripSig; not copied).
const ESCAPES: Readonly<Record<string, string>> = {
  '<': '\\u003c',
  '>': '\\u003e',
  '&': '\\u0026',
  '\u2028': '\\u2028',
  '\u2029': '\\u2029',
};

/**
 * Compacts valid JSON text the way Go does.
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
      out += ESCAPES[c] ?? c;
    } else if (c === '"') {
      inString = true;
      out += c;
    } else if (c !== ' ' && c !== '\t' && c !== '\n' && c !== '\r') out += c;
  }
  return out;
}
