/** The 4-byte magic a binary client sends first: `50 49 4C 54` ("PILT"). */
export const MAGIC: Uint8Array = Uint8Array.of(0x50, 0x49, 0x4c, 0x54);

/** The binary protocol version byte sent right after {@link MAGIC}. */
export const VERSION = 1;

/** `MAGIC` followed by `VERSION`: the 5 bytes that open a binary connection. */
export const PREAMBLE: Uint8Array = Uint8Array.of(0x50, 0x49, 0x4c, 0x54, VERSION);

/**
 * Largest frame or message length accepted (64 MiB), counted as the 4-byte length prefix's value.
 * Stays far below the magic read as a length (0x50494C54), which is what makes detection work.
 */
export const MAX_MESSAGE_SIZE: number = 64 * 1024 * 1024;

/** Default deadline for one `writeFrame` / `writeMessage` call, in milliseconds (5 s). */
export const WRITE_MESSAGE_DEADLINE_MS = 5000;

/** Binary frame type bytes. Responses set the high bit of their request's type. */
export const MsgType = {
  /** JSON passthrough; the payload is UTF-8 JSON. */
  JSON: 0x00,
  /** Heartbeat request. */
  HEARTBEAT: 0x01,
  /** Heartbeat response. */
  HEARTBEAT_OK: 0x81,
  /** Lookup request. */
  LOOKUP: 0x02,
  /** Lookup response. */
  LOOKUP_OK: 0x82,
  /** Resolve request. */
  RESOLVE: 0x03,
  /** Resolve response. */
  RESOLVE_OK: 0x83,
  /** Error response. */
  ERROR: 0xff,
} as const;

/** One of the known {@link MsgType} values. */
export type MsgType = (typeof MsgType)[keyof typeof MsgType];
