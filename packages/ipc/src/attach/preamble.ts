// The raw attach preamble: how a second connection to the IPC socket claims one stream's bytes.

/** First four bytes of an attach connection (a JSON-RPC connection starts with `{`). */
export const ATTACH_MAGIC = Buffer.from('MRAW', 'latin1');
/** Version byte after the magic. */
export const ATTACH_VERSION = 1;
/** Length of an attach token in bytes. */
export const ATTACH_TOKEN_BYTES = 32;
/** Length of the whole preamble: magic, version, token. */
export const ATTACH_PREAMBLE_BYTES = ATTACH_MAGIC.length + 1 + ATTACH_TOKEN_BYTES;
/** The daemon's one-byte answer: the connection now carries the stream's bytes. */
export const ATTACH_OK = 0x00;
/** The daemon's one-byte answer: unknown, used or expired token (or another version); it closes. */
export const ATTACH_REFUSED = 0x01;
/** How long an attach token stays valid after the reply that carried it (5 s). */
export const ATTACH_TOKEN_TTL_MS = 5000;

/**
 * @param token - the 32 token bytes.
 * @returns the preamble a client writes first on an attach connection.
 */
export function encodeAttachPreamble(token: Uint8Array): Buffer {
  if (token.length !== ATTACH_TOKEN_BYTES) throw new RangeError('an attach token has 32 bytes');
  return Buffer.concat([ATTACH_MAGIC, Buffer.of(ATTACH_VERSION), token]);
}

/** What {@link parseAttachPreamble} found. */
export type AttachPreamble =
  | { readonly kind: 'token'; readonly token: Buffer }
  | { readonly kind: 'bad_version'; readonly version: number }
  | { readonly kind: 'not_attach' };

/**
 * @param head - at least {@link ATTACH_PREAMBLE_BYTES} bytes from the start of a connection.
 * @returns the token, or why the bytes are not a usable preamble.
 */
export function parseAttachPreamble(head: Buffer): AttachPreamble {
  if (!head.subarray(0, ATTACH_MAGIC.length).equals(ATTACH_MAGIC)) return { kind: 'not_attach' };
  const version = head[ATTACH_MAGIC.length];
  if (version !== ATTACH_VERSION) return { kind: 'bad_version', version };
  return {
    kind: 'token',
    token: Buffer.from(head.subarray(ATTACH_MAGIC.length + 1, ATTACH_PREAMBLE_BYTES)),
  };
}
