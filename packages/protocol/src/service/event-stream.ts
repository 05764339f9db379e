// Event-stream service frames (port 1002): [2B topic length][topic][4B payload length][payload].
import { fromUtf8, requireLength, utf8, viewOf } from '../bytes/bytes.js';
import { checkServiceLength } from './data-exchange.js';
import { MAX_SERVICE_PAYLOAD, MAX_TOPIC_LENGTH } from './limits.js';

/** One event: a topic (`*` subscribes to all) and a payload. */
export interface EventFrame {
  /** Topic, at most 1024 UTF-8 bytes. */
  readonly topic: string;
  /** Payload, at most 16 MiB. */
  readonly payload: Uint8Array;
}

/**
 * Encodes an event frame.
 * @param frame - topic and payload.
 * @returns `[2B topic length][topic][4B payload length][payload]`.
 * @throws ProtocolError `too-large` for a topic over 1024 bytes or a payload over 16 MiB.
 * @example
 * ```ts
 * encodeEventFrame({ topic: 'status', payload: new TextEncoder().encode('online') });
 * // 0006 737461747573 00000006 6f6e6c696e65
 * ```
 */
export function encodeEventFrame(frame: EventFrame): Uint8Array {
  const topic = utf8(frame.topic);
  checkServiceLength(topic.length, MAX_TOPIC_LENGTH, 'event topic');
  checkServiceLength(frame.payload.length, MAX_SERVICE_PAYLOAD, 'event payload');
  const out = new Uint8Array(2 + topic.length + 4 + frame.payload.length);
  const dv = viewOf(out);
  dv.setUint16(0, topic.length);
  out.set(topic, 2);
  dv.setUint32(2 + topic.length, frame.payload.length);
  out.set(frame.payload, 6 + topic.length);
  return out;
}

/**
 * Decodes one event frame from the start of `bytes`; trailing bytes are ignored. The payload is
 * a view into `bytes`. For a byte stream use {@link EventFrameDecoder}.
 * @param bytes - input (not modified).
 * @returns the frame.
 * @throws ProtocolError `truncated`, `too-large`, or `invalid-utf8`.
 */
export function decodeEventFrame(bytes: Uint8Array): EventFrame {
  requireLength(bytes, 2, 'event topic length');
  const dv = viewOf(bytes);
  const topicLength = dv.getUint16(0);
  checkServiceLength(topicLength, MAX_TOPIC_LENGTH, 'event topic');
  requireLength(bytes, 6 + topicLength, 'event header');
  const payloadLength = dv.getUint32(2 + topicLength);
  checkServiceLength(payloadLength, MAX_SERVICE_PAYLOAD, 'event payload');
  const start = 6 + topicLength;
  requireLength(bytes, start + payloadLength, 'event frame');
  return {
    topic: fromUtf8(bytes.subarray(2, 2 + topicLength), 'event topic'),
    payload: bytes.subarray(start, start + payloadLength),
  };
}
