// Small readers that turn untrusted params into typed values or an invalid_argument error.
import { ErrorCode } from '../errors/codes.js';
import { IpcError } from '../errors/ipc-error.js';

/**
 * Reads named params of one request and answers `invalid_argument` with the field name when
 * one is missing or malformed, so handlers never see unchecked input.
 */
export class ParamReader {
  readonly #raw: Record<string, unknown>;
  readonly #method: string;

  /**
   * @param raw - the request's `params` (undefined is read as `{}`).
   * @param method - the method name, for error messages.
   * @throws IpcError `invalid_argument` when params is not an object.
   */
  constructor(raw: unknown, method: string) {
    if (raw === undefined || raw === null) raw = {};
    if (typeof raw !== 'object' || Array.isArray(raw)) {
      throw new IpcError(ErrorCode.invalidArgument, `${method}: params must be an object`);
    }
    this.#raw = raw as Record<string, unknown>;
    this.#method = method;
  }

  #fail(name: string, want: string): never {
    throw new IpcError(ErrorCode.invalidArgument, `${this.#method}: param ${name} must be ${want}`);
  }

  /**
   * @param name - param name.
   * @param range - inclusive bounds.
   * @returns the integer.
   */
  int(name: string, range: { min?: number; max?: number } = {}): number {
    const v = this.#raw[name];
    const min = range.min ?? Number.MIN_SAFE_INTEGER;
    const max = range.max ?? Number.MAX_SAFE_INTEGER;
    if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max)
      this.#fail(name, `an integer in ${min}..${max}`);
    return v;
  }

  /**
   * @param name - param name.
   * @param range - inclusive bounds.
   * @returns the integer, or undefined when absent.
   */
  optionalInt(name: string, range: { min?: number; max?: number } = {}): number | undefined {
    return this.#raw[name] === undefined ? undefined : this.int(name, range);
  }

  /**
   * @param name - param name.
   * @param options - `nonEmpty` rejects `''`; `maxLength` caps the length.
   * @returns the string.
   */
  string(name: string, options: { nonEmpty?: boolean; maxLength?: number } = {}): string {
    const v = this.#raw[name];
    if (typeof v !== 'string') this.#fail(name, 'a string');
    if (options.nonEmpty === true && v === '') this.#fail(name, 'a non-empty string');
    if (options.maxLength !== undefined && v.length > options.maxLength)
      this.#fail(name, `at most ${options.maxLength} characters`);
    return v;
  }

  /**
   * @param name - param name.
   * @returns the string, or undefined when absent.
   */
  optionalString(name: string): string | undefined {
    return this.#raw[name] === undefined ? undefined : this.string(name);
  }

  /**
   * @param name - param name.
   * @returns the boolean.
   */
  bool(name: string): boolean {
    const v = this.#raw[name];
    if (typeof v !== 'boolean') this.#fail(name, 'a boolean');
    return v;
  }

  /**
   * @param name - param name.
   * @returns the array of strings.
   */
  stringArray(name: string): string[] {
    const v = this.#raw[name];
    if (!Array.isArray(v) || !v.every((s) => typeof s === 'string'))
      this.#fail(name, 'an array of strings');
    return v;
  }

  /**
   * Decodes a base64 param.
   * @param name - param name.
   * @returns the bytes.
   */
  bytes(name: string): Buffer {
    const v = this.string(name);
    if (!/^[A-Za-z0-9+/]*={0,2}$/.test(v)) this.#fail(name, 'base64');
    return Buffer.from(v, 'base64');
  }
}
