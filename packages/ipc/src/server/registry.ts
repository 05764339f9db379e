// The method table: built-in handlers from meshd and methods plugins add at runtime.
import { ErrorCode } from '../errors/codes.js';
import { IpcError } from '../errors/ipc-error.js';
import type { MeshMethodName, MeshMethods } from '../protocol/methods.js';
import type { Socket } from 'node:net';
import type { CallContext } from './connection.js';

/** A handler for any method: validates its own params, returns a JSON-serialisable result. */
export type MethodHandler = (params: unknown, context: CallContext) => unknown;

/** A handler for a built-in method, typed by {@link MeshMethods}. */
export type TypedMethodHandler<M extends MeshMethodName> = (
  params: MeshMethods[M]['params'],
  context: CallContext,
) => MeshMethods[M]['result'] | Promise<MeshMethods[M]['result']>;

/** Options of {@link MethodRegistry.register}. */
export interface RegisterOptions {
  /** Who added the method: `core` or a plugin name (shown by `plugins`). */
  readonly owner?: string;
}

/**
 * A second method table consulted after the registry's own, at call time: how the daemon
 * serves methods its plugins registered on the engine (`Daemon.registerMethod`).
 */
export interface MethodSource {
  /** The handler for `name`, or undefined. */
  get(name: string): MethodHandler | undefined;
  /** Every method name the source serves. */
  names(): string[];
}

/**
 * Takes over an attached raw connection: the socket is paused, its answer byte already sent;
 * `head` holds bytes the client sent after the preamble.
 */
export type AttachAcceptor = (socket: Socket, head: Buffer) => void;

/**
 * Claims an attach token (single use). Returns who takes the raw connection, or undefined to
 * refuse it (unknown, used or expired token).
 */
export type AttachHandler = (token: Buffer) => AttachAcceptor | undefined;

interface Entry {
  readonly handler: MethodHandler;
  readonly owner: string;
}

const RESERVED_PREFIX = 'rpc.';

/**
 * Method name → handler. Registration returns an unregister function, so a plugin that is
 * unloaded takes its methods with it and they answer `method_not_found` again.
 */
export class MethodRegistry {
  readonly #entries = new Map<string, Entry>();
  #fallback: MethodSource | undefined;
  #attach: AttachHandler | undefined;

  /**
   * Serves raw attach connections (`MRAW` preamble) on the server's socket.
   * @param handler - claims tokens; replaces an earlier handler.
   * @returns a function that removes it again (attaches are then refused).
   */
  handleAttach(handler: AttachHandler): () => void {
    this.#attach = handler;
    return () => {
      if (this.#attach === handler) this.#attach = undefined;
    };
  }

  /** The attach handler, or undefined when raw attaches are refused. */
  get attachHandler(): AttachHandler | undefined {
    return this.#attach;
  }

  /**
   * Consults `source` for names this registry does not hold (replaces an earlier fallback).
   * @param source - the extra method table, or undefined to remove it.
   */
  setFallback(source: MethodSource | undefined): void {
    this.#fallback = source;
  }

  /**
   * Adds a method.
   * @param name - the method name; `rpc.*` is reserved for the protocol itself.
   * @param handler - called once per request.
   * @param options - the owner shown by `plugins`.
   * @returns a function that removes the method again (idempotent).
   * @throws IpcError `already_exists` when the name is taken, `invalid_argument` for a reserved or empty name.
   */
  register(name: string, handler: MethodHandler, options: RegisterOptions = {}): () => void {
    if (name === '' || name.startsWith(RESERVED_PREFIX)) {
      throw new IpcError(
        ErrorCode.invalidArgument,
        `method name ${JSON.stringify(name)} is reserved or empty`,
      );
    }
    if (this.#entries.has(name)) {
      throw new IpcError(
        ErrorCode.alreadyExists,
        `method ${name} is already registered by ${this.#entries.get(name)!.owner}`,
      );
    }
    const entry: Entry = { handler, owner: options.owner ?? 'core' };
    this.#entries.set(name, entry);
    return () => {
      if (this.#entries.get(name) === entry) this.#entries.delete(name);
    };
  }

  /**
   * Adds a built-in method with types from {@link MeshMethods}.
   * @param name - a built-in method name.
   * @param handler - typed handler.
   * @param options - the owner shown by `plugins`.
   * @returns a function that removes the method again.
   */
  handle<M extends MeshMethodName>(
    name: M,
    handler: TypedMethodHandler<M>,
    options: RegisterOptions = {},
  ): () => void {
    return this.register(name, handler as MethodHandler, options);
  }

  /**
   * @param name - a method name.
   * @returns its handler, or undefined.
   */
  get(name: string): MethodHandler | undefined {
    const own = this.#entries.get(name)?.handler;
    if (own !== undefined || name.startsWith(RESERVED_PREFIX)) return own;
    return this.#fallback?.get(name);
  }

  /**
   * @param name - a method name.
   * @returns true when registered.
   */
  has(name: string): boolean {
    return this.get(name) !== undefined;
  }

  /** @returns every registered method name, sorted. */
  names(): string[] {
    const names = new Set([...this.#entries.keys(), ...(this.#fallback?.names() ?? [])]);
    return [...names].sort();
  }

  /**
   * @param owner - `core` or a plugin name.
   * @returns the methods that owner registered, sorted.
   */
  namesOf(owner: string): string[] {
    return [...this.#entries]
      .filter(([, e]) => e.owner === owner)
      .map(([n]) => n)
      .sort();
  }
}
