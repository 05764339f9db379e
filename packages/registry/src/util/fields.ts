import { RegistryRequestError } from '../errors.js';

/** A decoded JSON request. */
export type JsonObject = Record<string, unknown>;

/** A required uint32 id field. */
export function reqId(msg: JsonObject, key: string): number {
  const v = msg[key];
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > 0xffffffff) {
    throw new RegistryRequestError('BAD_REQUEST', `missing or invalid ${key}`);
  }
  return v;
}

/** A required uint16 network id field. */
export function reqNetId(msg: JsonObject, key: string): number {
  const v = msg[key];
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > 0xffff) {
    throw new RegistryRequestError('BAD_REQUEST', `missing or invalid ${key}`);
  }
  return v;
}

/** An optional uint32 id field. */
export function optId(msg: JsonObject, key: string): number | undefined {
  return msg[key] === undefined || msg[key] === null ? undefined : reqId(msg, key);
}

/** A required string field. */
export function reqString(msg: JsonObject, key: string): string {
  const v = msg[key];
  if (typeof v !== 'string')
    throw new RegistryRequestError('BAD_REQUEST', `missing or invalid ${key}`);
  return v;
}

/** An optional string field. */
export function optString(msg: JsonObject, key: string): string | undefined {
  const v = msg[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string')
    throw new RegistryRequestError('BAD_REQUEST', `invalid ${key}: expected a string`);
  return v;
}

/** A required boolean field. */
export function reqBool(msg: JsonObject, key: string): boolean {
  const v = msg[key];
  if (typeof v !== 'boolean')
    throw new RegistryRequestError('BAD_REQUEST', `missing or invalid ${key}`);
  return v;
}
