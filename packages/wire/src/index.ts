/**
 * `@mesh/wire`: the byte-exact codec of the registry wire protocol — PILT binary frames and their
 * payloads, length-prefixed JSON messages, managed-network rules and network blueprints.
 *
 * Pure and runtime-neutral: bytes in, bytes or plain data out, on `Uint8Array`/`DataView` only; no I/O
 * beyond the async-iterable/sink helpers, no session state, no runtime dependencies. Decoded byte fields
 * are fresh copies and never alias the input; results of 65..4096 bytes may share an 8 KiB pool
 * `ArrayBuffer` (like Node's Buffer), so respect `byteOffset`/`byteLength` when touching `.buffer`.
 * Every failure is a {@link WireError} with a stable `code`.
 * File reading (`loadBlueprint`) and socket adapters live in `@mesh/wire/node`.
 *
 * @example
 * ```ts
 * import { MsgType, encodeFrame, encodeLookupReq, decodeFrame, decodeLookupReq } from '@mesh/wire';
 *
 * const bytes = encodeFrame(MsgType.LOOKUP, encodeLookupReq(42)); // 00 00 00 05 02 00 00 00 2a
 * const frame = decodeFrame(bytes);
 * decodeLookupReq(frame.payload); // 42
 * ```
 *
 * @packageDocumentation
 */
export {
  MAGIC,
  MAX_MESSAGE_SIZE,
  MsgType,
  PREAMBLE,
  VERSION,
  WRITE_MESSAGE_DEADLINE_MS,
} from './constants.js';
export { WireError, isWireError } from './errors/wire-error.js';
export { challenges } from './challenges/challenges.js';
export type { ChallengeName } from './challenges/challenges.js';
export {
  REGISTRY_AUDIENCE,
  REQSIG_DOMAIN,
  REQSIG_MAX_LENGTH,
  REQSIG_MAX_SKEW_SECONDS,
  REQSIG_NONCE_LENGTH,
  canonicalEnvelope,
  envelopeFresh,
  parseEnvelope,
} from './reqsig/envelope.js';
export type { RequestEnvelope } from './reqsig/envelope.js';
export { ENVELOPE_FIELDS, hashBody, hashRequestBody, requestBody } from './reqsig/body.js';
export type { WireErrorCode } from './errors/wire-error.js';
export { REGISTRY_ERROR_CODES, isRetryableRegistryCode } from './errors/registry-error-code.js';
export type { RegistryErrorCode } from './errors/registry-error-code.js';

export {
  decodeHeartbeatReq,
  decodeHeartbeatResp,
  encodeHeartbeatReq,
  encodeHeartbeatResp,
} from './payload/heartbeat.js';
export type { HeartbeatReq, HeartbeatResp } from './payload/heartbeat.js';
export {
  decodeLookupReq,
  decodeLookupResp,
  encodeLookupReq,
  encodeLookupResp,
} from './payload/lookup.js';
export type { LookupResult } from './payload/lookup.js';
export {
  decodeResolveReq,
  decodeResolveResp,
  encodeResolveReq,
  encodeResolveResp,
} from './payload/resolve.js';
export type { ResolveReq, ResolveResult } from './payload/resolve.js';
export { MAX_ERROR_MESSAGE_BYTES, decodeError, encodeError } from './payload/error.js';

export { decodeFrame, detectProtocol, encodeFrame } from './frame/frame.js';
export type { Frame, WireProtocol } from './frame/frame.js';
export { decodeMessage, encodeMessage } from './frame/message.js';
export type { JsonObject } from './frame/message.js';
export { FrameDecoder } from './frame/frame-decoder.js';
export type { FrameDecoderOptions } from './frame/frame-decoder.js';
export { MessageDecoder } from './frame/message-decoder.js';
export type { MessageDecoderOptions } from './frame/message-decoder.js';

export { readFrame, readMessage, readProtocol } from './stream/read.js';
export type { ReadOptions } from './stream/read.js';
export { writeFrame, writeMessage } from './stream/write.js';
export type { WireSink, WriteOptions } from './stream/write.js';

export { parseGoDuration, parseGoDurationMs } from './rules/duration.js';
export { parseRules, validateRules } from './rules/rules.js';
export type { FillHow, NetworkRules, PruneBy } from './rules/rules.js';
export { allowedPortsToPolicy, rulesToPolicy } from './rules/policy.js';
export type { PolicyAction, PolicyDocument, PolicyRule } from './rules/policy.js';
export { parseBlueprint, validateBlueprint } from './blueprint/validate.js';
export { isForbiddenHost, screenUrl } from './blueprint/url.js';
export type {
  BlueprintAuditExport,
  BlueprintIdentityProvider,
  BlueprintPolicy,
  BlueprintRole,
  BlueprintWebhooks,
  NetworkBlueprint,
} from './blueprint/types.js';
