// The port-444 wire message (reference §E.1): one JSON object per stream. Field names, field
// order and value types follow Go's HandshakeMsg struct in pilot-protocol/handshake
// (handshake.go: HandshakeMsg, sendMessage, processMessage), read for facts only.
import { goQuote } from './go-json.js';

/** The four message types. */
export type HandshakeMessageType =
  'handshake_request' | 'handshake_accept' | 'handshake_reject' | 'handshake_revoke';

const TYPES: readonly string[] = [
  'handshake_request',
  'handshake_accept',
  'handshake_reject',
  'handshake_revoke',
];

/** One handshake message, exactly the fields the existing network sends. */
export interface HandshakeMessage {
  /** Message type. */
  readonly type: HandshakeMessageType;
  /** The sender's node id. */
  readonly node_id: number;
  /** The sender's Ed25519 public key, standard base64 (may be empty). */
  readonly public_key: string;
  /** Why the sender wants trust (requests). */
  readonly justification: string;
  /** Standard-base64 Ed25519 signature over {@link handshakeChallenge}(sender, receiver). */
  readonly signature: string;
  /** Rejection or revocation reason. */
  readonly reason: string;
  /** Unix seconds when the message was made. */
  readonly timestamp: number;
}

/** The largest message a receiver reads (the [N] single bounded read). */
export const MAX_MESSAGE_BYTES = 64 * 1024;

/**
 * The signed challenge of every handshake message (and of `request_handshake`):
 * `handshake:<sender>:<receiver>` with decimal node ids (reference §C.7).
 * @param sender - the sending node.
 * @param receiver - the receiving node.
 * @returns the challenge text.
 */
export function handshakeChallenge(sender: number, receiver: number): string {
  return `handshake:${sender}:${receiver}`;
}

/**
 * Serialises a message the way Go's `json.Marshal(HandshakeMsg)` does: fields in struct order,
 * none omitted, Go's string escaping. The replay set hashes these bytes, as Go does.
 * @param m - the message.
 * @returns the JSON text.
 */
export function encodeHandshakeMessage(m: HandshakeMessage): string {
  return (
    `{"type":${goQuote(m.type)},"node_id":${m.node_id},"public_key":${goQuote(m.public_key)},` +
    `"justification":${goQuote(m.justification)},"signature":${goQuote(m.signature)},` +
    `"reason":${goQuote(m.reason)},"timestamp":${m.timestamp}}`
  );
}

/**
 * Parses received bytes into a message, with Go's lenient defaults: missing fields are empty
 * (zero), unknown fields are ignored, but every present field must have the right type and
 * `node_id` must be a uint32.
 * @param text - the received JSON text.
 * @returns the message, or `undefined` when the text is not a valid handshake message.
 */
export function decodeHandshakeMessage(text: string): HandshakeMessage | undefined {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) return undefined;
  const o = raw as Record<string, unknown>;
  const str = (k: string): string | undefined => {
    const v = o[k];
    if (v === undefined || v === null) return '';
    return typeof v === 'string' ? v : undefined;
  };
  const int = (k: string, max: number, min: number): number | undefined => {
    const v = o[k];
    if (v === undefined || v === null) return 0;
    return typeof v === 'number' && Number.isInteger(v) && v >= min && v <= max ? v : undefined;
  };
  const type = str('type');
  const nodeId = int('node_id', 0xffffffff, 0);
  const timestamp = int('timestamp', Number.MAX_SAFE_INTEGER, Number.MIN_SAFE_INTEGER);
  const publicKey = str('public_key');
  const justification = str('justification');
  const signature = str('signature');
  const reason = str('reason');
  if (
    type === undefined ||
    !TYPES.includes(type) ||
    nodeId === undefined ||
    timestamp === undefined ||
    publicKey === undefined ||
    justification === undefined ||
    signature === undefined ||
    reason === undefined
  )
    return undefined;
  return {
    type: type as HandshakeMessageType,
    node_id: nodeId,
    public_key: publicKey,
    justification,
    signature,
    reason,
    timestamp,
  };
}
