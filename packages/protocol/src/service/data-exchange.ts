// Data-exchange service frames (port 1001): [4B type][4B length][payload].
import { checkUint, fromUtf8, requireLength, utf8, viewOf } from '../bytes/bytes.js';
import { ProtocolError } from '../errors/protocol-error.js';
import { MAX_SERVICE_PAYLOAD } from './limits.js';

/** Data-exchange frame types. */
export const DataType = Object.freeze({
  /** UTF-8 text. */
  TEXT: 1,
  /** Opaque bytes. */
  BINARY: 2,
  /** A JSON document. */
  JSON: 3,
  /** A file: payload is `[2B name length][name][file bytes]`. */
  FILE: 4,
} as const);

/**
 * Mesh extension: chunked, resumable file streams (not in the Pilot reference, which names a
 * `TypeFileStream` without a byte layout). Receivers that predate it answer these types with
 * `ERR UNKNOWN(n) unsupported frame type`, and senders fall back to one FILE frame.
 * OFFER payload: JSON `{"name","size","sha256"}` → reply TEXT `RESUME <offset>`;
 * CHUNK payload: the next file bytes → reply TEXT `OK <offset after the chunk>`;
 * END payload: empty → reply TEXT `ACK FILE <size> bytes` once the SHA-256 matched.
 */
export const FileStreamType = Object.freeze({
  /** Starts or resumes a transfer. */
  OFFER: 0x4d460001,
  /** The next bytes of the file. */
  CHUNK: 0x4d460002,
  /** All bytes sent: verify and save. */
  END: 0x4d460003,
} as const);

/** Bytes per CHUNK frame a sender uses. */
export const FILE_STREAM_CHUNK_SIZE = 256 * 1024;

/** CHUNK frames a sender keeps unacknowledged; with the chunk size this bounds memory in flight. */
export const FILE_STREAM_WINDOW = 8;

/** Size of a data-exchange frame header. */
export const DATA_FRAME_HEADER_SIZE = 8;

/** One data-exchange frame. `type` is any uint32 so unknown types can be answered. */
export interface DataFrame {
  /** Frame type, see {@link DataType}. */
  readonly type: number;
  /** Payload, at most 16 MiB. */
  readonly payload: Uint8Array;
}

/** A decoded FILE payload. */
export interface FilePayload {
  /** File name as sent (sanitise before using it as a path). */
  readonly name: string;
  /** File contents. */
  readonly data: Uint8Array;
}

/**
 * The display name of a frame type.
 * @param type - frame type.
 * @returns `TEXT`, `BINARY`, `JSON`, `FILE`, or `UNKNOWN(n)`.
 */
export function dataTypeName(type: number): string {
  switch (type) {
    case DataType.TEXT:
      return 'TEXT';
    case DataType.BINARY:
      return 'BINARY';
    case DataType.JSON:
      return 'JSON';
    case DataType.FILE:
      return 'FILE';
    case FileStreamType.OFFER:
    case FileStreamType.CHUNK:
    case FileStreamType.END:
      return 'FILE_STREAM';
    default:
      return `UNKNOWN(${type})`;
  }
}

/** @internal Throws `too-large` when `length` exceeds `max`. */
export function checkServiceLength(length: number, max: number, what: string): void {
  if (length > max) {
    throw new ProtocolError(
      'too-large',
      `${what} of ${length} bytes exceeds the ${max}-byte limit`,
    );
  }
}

/**
 * Encodes a data-exchange frame.
 * @param frame - type (uint32) and payload (≤ 16 MiB).
 * @returns `[4B type][4B length][payload]`.
 * @throws ProtocolError `too-large` or `invalid-field`.
 * @example
 * ```ts
 * encodeDataFrame({ type: DataType.TEXT, payload: new TextEncoder().encode('hello world') });
 * // 00000001 0000000b 68656c6c6f20776f726c64
 * ```
 */
export function encodeDataFrame(frame: DataFrame): Uint8Array {
  checkUint(frame.type, 0xffffffff, 'type');
  checkServiceLength(frame.payload.length, MAX_SERVICE_PAYLOAD, 'data frame payload');
  const out = new Uint8Array(DATA_FRAME_HEADER_SIZE + frame.payload.length);
  const dv = viewOf(out);
  dv.setUint32(0, frame.type);
  dv.setUint32(4, frame.payload.length);
  out.set(frame.payload, DATA_FRAME_HEADER_SIZE);
  return out;
}

/**
 * Decodes one data-exchange frame from the start of `bytes`; trailing bytes are ignored (the
 * frame's size is `8 + payload.length`). The payload is a view into `bytes`. For a byte stream
 * use {@link DataFrameDecoder}.
 * @param bytes - input (not modified).
 * @returns the frame.
 * @throws ProtocolError `truncated` or `too-large`.
 */
export function decodeDataFrame(bytes: Uint8Array): DataFrame {
  requireLength(bytes, DATA_FRAME_HEADER_SIZE, 'data frame header');
  const dv = viewOf(bytes);
  const length = dv.getUint32(4);
  checkServiceLength(length, MAX_SERVICE_PAYLOAD, 'data frame payload');
  requireLength(bytes, DATA_FRAME_HEADER_SIZE + length, 'data frame');
  return {
    type: dv.getUint32(0),
    payload: bytes.subarray(DATA_FRAME_HEADER_SIZE, DATA_FRAME_HEADER_SIZE + length),
  };
}

/**
 * Builds a FILE payload: `[2B name length][name UTF-8][file bytes]`.
 * @param file - name (≤ 65535 UTF-8 bytes) and contents.
 * @returns the payload to put in a {@link DataType.FILE} frame.
 * @throws ProtocolError `too-large` for a name over 65535 bytes.
 */
export function encodeFilePayload(file: FilePayload): Uint8Array {
  const name = utf8(file.name);
  checkServiceLength(name.length, 0xffff, 'file name');
  const out = new Uint8Array(2 + name.length + file.data.length);
  viewOf(out).setUint16(0, name.length);
  out.set(name, 2);
  out.set(file.data, 2 + name.length);
  return out;
}

/**
 * Splits a FILE payload. `data` is a view into `payload`.
 * @param payload - a FILE frame's payload (not modified).
 * @returns name and contents.
 * @throws ProtocolError `truncated` or `invalid-utf8`.
 */
export function decodeFilePayload(payload: Uint8Array): FilePayload {
  requireLength(payload, 2, 'file payload');
  const nameLength = viewOf(payload).getUint16(0);
  requireLength(payload, 2 + nameLength, 'file payload name');
  return {
    name: fromUtf8(payload.subarray(2, 2 + nameLength), 'file name'),
    data: payload.subarray(2 + nameLength),
  };
}
