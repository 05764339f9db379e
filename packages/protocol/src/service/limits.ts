// Limits shared by the stream-carried service frames (reference §E.8, §L).

/** Largest payload of a data-exchange or event-stream frame: 16 MiB. */
export const MAX_SERVICE_PAYLOAD = 16 * 1024 * 1024;
/** Largest event-stream topic, in UTF-8 bytes. */
export const MAX_TOPIC_LENGTH = 1024;
