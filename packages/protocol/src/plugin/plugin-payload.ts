// Plugin payload frames (datagrams to virtual port 1): [1B kind length][kind][body].
import { fromUtf8, requireLength, utf8 } from '../bytes/bytes.js';
import { ProtocolError } from '../errors/protocol-error.js';

/** Virtual port that carries plugin payloads between daemons (reference port 1, "control"). */
export const PLUGIN_PAYLOAD_PORT = 1;

/** Longest payload kind, in UTF-8 bytes (the length is one byte). */
export const MAX_PLUGIN_KIND_LENGTH = 255;

/** One plugin payload: a kind in a plugin-owned namespace and an opaque body. */
export interface PluginPayloadFrame {
  /** Payload kind, 1–255 UTF-8 bytes, by convention prefixed with the plugin name (`chat.msg`). */
  readonly kind: string;
  /** Opaque body. */
  readonly body: Uint8Array;
}

/**
 * Encodes a plugin payload frame.
 * @param frame - kind and body.
 * @returns `[1B kind length][kind][body]`.
 * @throws ProtocolError `invalid-field` for an empty kind or one over 255 UTF-8 bytes.
 * @example
 * ```ts
 * encodePluginPayload({ kind: 'chat.msg', body: new TextEncoder().encode('hi') });
 * // 08 636861742e6d7367 6869
 * ```
 */
export function encodePluginPayload(frame: PluginPayloadFrame): Uint8Array {
  const kind = utf8(frame.kind);
  if (kind.length === 0 || kind.length > MAX_PLUGIN_KIND_LENGTH) {
    throw new ProtocolError(
      'invalid-field',
      `plugin payload kind must be 1..${MAX_PLUGIN_KIND_LENGTH} UTF-8 bytes, got ${kind.length}`,
    );
  }
  const out = new Uint8Array(1 + kind.length + frame.body.length);
  out[0] = kind.length;
  out.set(kind, 1);
  out.set(frame.body, 1 + kind.length);
  return out;
}

/**
 * Decodes a plugin payload frame. The body is a view into `bytes`.
 * @param bytes - one datagram's payload (not modified).
 * @returns the frame.
 * @throws ProtocolError `invalid-length` for a zero kind length, `truncated` when the kind is cut
 *   short, `invalid-utf8` for a kind that is not UTF-8.
 */
export function decodePluginPayload(bytes: Uint8Array): PluginPayloadFrame {
  requireLength(bytes, 1, 'plugin payload kind length');
  const n = bytes[0];
  if (n === 0) throw new ProtocolError('invalid-length', 'plugin payload kind length is 0');
  requireLength(bytes, 1 + n, 'plugin payload kind');
  return {
    kind: fromUtf8(bytes.subarray(1, 1 + n), 'plugin payload kind'),
    body: bytes.subarray(1 + n),
  };
}
