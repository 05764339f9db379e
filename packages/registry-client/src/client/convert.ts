import { RegistryClientError } from '../errors.js';
import type { JsonObject } from '../types.js';

/** Reads a required non-negative integer field. */
export function num(obj: JsonObject, key: string): number {
  const v = obj[key];
  if (typeof v !== 'number' || !Number.isSafeInteger(v)) {
    throw new RegistryClientError('PROTOCOL', `registry response field "${key}" is not an integer`);
  }
  return v;
}

/** Reads an optional integer field. */
export function optNum(obj: JsonObject, key: string, fallback: number): number {
  const v = obj[key];
  return typeof v === 'number' && Number.isSafeInteger(v) ? v : fallback;
}

/** Reads an optional string field. */
export function str(obj: JsonObject, key: string): string {
  const v = obj[key];
  return typeof v === 'string' ? v : '';
}

/** Reads an optional boolean field. */
export function bool(obj: JsonObject, key: string): boolean {
  return obj[key] === true;
}

/** Reads an optional array of strings. */
export function strings(obj: JsonObject, key: string): string[] {
  const v = obj[key];
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
}

/** Reads an optional array of integers. */
export function numbers(obj: JsonObject, key: string): number[] {
  const v = obj[key];
  return Array.isArray(v) ? v.filter((x): x is number => typeof x === 'number') : [];
}

/** Reads an optional array of objects. */
export function objects(obj: JsonObject, key: string): JsonObject[] {
  const v = obj[key];
  return Array.isArray(v)
    ? v.filter((x): x is JsonObject => typeof x === 'object' && x !== null && !Array.isArray(x))
    : [];
}

/** Standard base64 of bytes. */
export function toBase64(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString('base64');
}
