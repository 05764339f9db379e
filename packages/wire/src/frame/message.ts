import { checkBytes } from '../bytes/check.js';
import { alloc } from '../bytes/alloc.js';
import { writeU32 } from '../bytes/reader.js';
import { utf8Decode, utf8EncodeWithHeader } from '../bytes/utf8.js';
import { MAX_MESSAGE_SIZE } from '../constants.js';
import { WireError } from '../errors/wire-error.js';
import { checkLength } from './frame.js';

/** A JSON-mode registry message: always a JSON object, e.g. `{ "type": "lookup", "node_id": 42 }`. */
export type JsonObject = Record<string, unknown>;

/** Parses a message body; anything but a JSON object throws BAD_JSON. */
export function parseJsonObject(
  body: Uint8Array,
  start = 0,
  end: number = body.length,
): JsonObject {
  let value: unknown;
  try {
    value = JSON.parse(utf8Decode(body, start, end));
  } catch (cause) {
    throw new WireError('BAD_JSON', `message body is not valid JSON: ${(cause as Error).message}`, {
      cause,
    });
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new WireError(
      'BAD_JSON',
      `message must be a JSON object, got ${value === null ? 'null' : Array.isArray(value) ? 'an array' : typeof value}`,
    );
  }
  return value as JsonObject;
}

/**
 * Encodes a JSON-mode message: `[4B length][UTF-8 JSON object]`. The body is `JSON.stringify(object)`
 * (key order as given; the reference's Go encoder sorts keys, which no reader depends on).
 *
 * @example
 * ```ts
 * encodeMessage({ type: 'lookup', node_id: 42 });
 * ```
 */
export function encodeMessage(object: JsonObject): Uint8Array {
  if (typeof object !== 'object' || object === null || Array.isArray(object)) {
    throw new WireError(
      'BAD_JSON',
      'a message must be a JSON object (not an array, null or a primitive)',
    );
  }
  let text: string;
  try {
    text = JSON.stringify(object);
  } catch (cause) {
    throw new WireError(
      'BAD_JSON',
      `message is not JSON-serialisable: ${(cause as Error).message}`,
      { cause },
    );
  }
  const out = utf8EncodeWithHeader(text, 4, alloc);
  const length = out.length - 4;
  if (length > MAX_MESSAGE_SIZE) {
    throw new WireError(
      'TOO_LARGE',
      `message too large: ${length} bytes (max ${MAX_MESSAGE_SIZE})`,
    );
  }
  writeU32(out, 0, length);
  return out;
}

/**
 * Decodes exactly one complete JSON-mode message from `bytes`. Throws TRUNCATED when bytes are missing,
 * INVALID when bytes follow it, BAD_JSON when the body is not a JSON object.
 *
 * @example
 * ```ts
 * decodeMessage(encodeMessage({ type: 'heartbeat_ok', time: 1 })); // { type: 'heartbeat_ok', time: 1 }
 * ```
 */
export function decodeMessage(bytes: Uint8Array): JsonObject {
  checkBytes(bytes, 'message');
  if (bytes.length < 4)
    throw new WireError('TRUNCATED', `truncated message header: ${bytes.length} of 4 bytes`);
  const length = ((bytes[0] << 24) | (bytes[1] << 16) | (bytes[2] << 8) | bytes[3]) >>> 0;
  checkLength(length, 'message', MAX_MESSAGE_SIZE);
  if (bytes.length < 4 + length) {
    throw new WireError(
      'TRUNCATED',
      `truncated message: header says ${length} bytes, ${bytes.length - 4} present`,
    );
  }
  if (bytes.length > 4 + length) {
    throw new WireError(
      'INVALID',
      `${bytes.length - 4 - length} unexpected byte(s) after the message`,
    );
  }
  return parseJsonObject(bytes, 4, 4 + length);
}
