// JSON text byte-identical to Go's encoding/json for the documents this package builds: Go escapes
// <, >, & and U+2028/U+2029 inside strings (HTML-safe output) and writes U+FFFD for lone surrogates.

const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;
const HTML_UNSAFE = /[<>&\u2028\u2029]/g;

/** Replaces lone surrogates by U+FFFD, as Go does when it marshals invalid UTF-8. */
export function wellFormed(text: string): string {
  return text.replace(LONE_SURROGATE, '\ufffd');
}

/**
 * `JSON.stringify` of `value` (built with keys already in Go's order), then Go's HTML escaping.
 * The escaped characters can only occur inside strings, so a whole-text replace is safe.
 */
export function goJson(value: unknown): string {
  return JSON.stringify(value).replace(
    HTML_UNSAFE,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}
