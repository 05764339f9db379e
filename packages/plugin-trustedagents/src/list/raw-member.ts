// Finds the raw text of a top-level member of a JSON object without re-serialising it: the list
// signature covers the `agents` value byte for byte (after Go's compaction), not a re-encoding.

/** Index of the first non-whitespace character at or after `i`. */
function skipWs(text: string, i: number): number {
  while (i < text.length && ' \t\n\r'.includes(text[i])) i++;
  return i;
}

/** Index just past the string starting at `i`, or -1. */
function skipString(text: string, i: number): number {
  // text[i] is the opening quote.
  for (i++; i < text.length; i++) {
    if (text[i] === '\\') i++;
    else if (text[i] === '"') return i + 1;
  }
  return -1;
}

/** Index just past the value starting at `i`, or -1. */
function skipValue(text: string, i: number): number {
  if (text[i] === '"') return skipString(text, i);
  if (text[i] === '{' || text[i] === '[') {
    let depth = 0;
    for (; i < text.length; i++) {
      const c = text[i];
      if (c === '"') {
        i = skipString(text, i) - 1;
        if (i < 0) return -1;
      } else if (c === '{' || c === '[') depth++;
      else if (c === '}' || c === ']') {
        depth--;
        if (depth === 0) return i + 1;
      }
    }
    return -1;
  }
  while (i < text.length && !',}] \t\n\r'.includes(text[i])) i++;
  return i;
}

/**
 * The raw text of top-level member `name` of the JSON object in `text` (the last one when the
 * name repeats, as Go's decoder keeps the last). The caller has already checked `text` parses.
 * @param text - a JSON object's text.
 * @param name - the member name.
 * @returns the member's raw value text, or `undefined` when absent.
 */
export function rawMember(text: string, name: string): string | undefined {
  let i = skipWs(text, 0);
  if (text[i] !== '{') return undefined;
  i = skipWs(text, i + 1);
  let found: string | undefined;
  while (i < text.length && text[i] !== '}') {
    const keyEnd = skipString(text, i);
    if (keyEnd < 0) return undefined;
    const key = JSON.parse(text.slice(i, keyEnd)) as string;
    i = skipWs(text, keyEnd);
    if (text[i] !== ':') return undefined;
    i = skipWs(text, i + 1);
    const end = skipValue(text, i);
    if (end < 0) return undefined;
    if (key === name) found = text.slice(i, end);
    i = skipWs(text, end);
    if (text[i] === ',') i = skipWs(text, i + 1);
  }
  return found;
}
