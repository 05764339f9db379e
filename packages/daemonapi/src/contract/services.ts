/**
 * A typed key for a service in the daemon's {@link ServiceRegistry}. Keys are compared by
 * `id`, a `Symbol.for` symbol derived from the name, so two installed copies of
 * `@mesh/daemonapi` that define the same service name agree on the key.
 *
 * @typeParam T - the service's interface; carried only in the type system.
 */
export interface ServiceKey<T> {
  /** Process-wide identity of the service: `Symbol.for('@mesh/service:' + name)`. */
  readonly id: symbol;
  /** The service name, for messages and status output (`mesh.handshake`, `acme.billing`). */
  readonly name: string;
  /** Phantom member that carries `T`; never set at run time. */
  readonly __service?: T;
}

/** Any service key, whatever its service type (for `provides` / `needs` lists). */
export type AnyServiceKey = ServiceKey<unknown>;

/**
 * Defines a typed service key. Call it once per service, at module level, and export the key;
 * provider and consumer import it from the package that defines the service interface.
 *
 * @example
 * ```ts
 * export interface Billing { charge(nodeId: number, cents: number): Promise<void> }
 * export const BillingKey = defineService<Billing>('acme.billing');
 * // provider: daemon.services().provide(BillingKey, new StripeBilling());
 * // consumer: daemon.services().require(BillingKey).charge(42, 100);
 * ```
 * @throws TypeError when `name` is empty.
 */
export function defineService<T>(name: string): ServiceKey<T> {
  if (typeof name !== 'string' || name.length === 0) {
    throw new TypeError('defineService: a service needs a non-empty name');
  }
  return Object.freeze({ id: Symbol.for(`@mesh/service:${name}`), name });
}

/**
 * The daemon's typed service registry, from {@link Daemon.services}. Plugins provide services
 * to each other and to the engine through it; the engine reads the well-known ones (handshake,
 * trust checker, policy manager, webhook manager) from it.
 */
export interface ServiceRegistry {
  /**
   * Installs `impl` under `key`. Returns the function that removes it again (only if it is
   * still the installed implementation); plugins call it in `shutdown`.
   * @throws ServiceConflictError when another implementation is installed under `key`.
   */
  provide<T>(key: ServiceKey<T>, impl: T): () => void;
  /** The implementation under `key`, or `undefined` when none is installed. */
  get<T>(key: ServiceKey<T>): T | undefined;
  /**
   * The implementation under `key`.
   * @throws ServiceUnavailableError (code `SERVICE_UNAVAILABLE`) when none is installed.
   */
  require<T>(key: ServiceKey<T>): T;
  /** Whether an implementation is installed under `key`. */
  has(key: AnyServiceKey): boolean;
  /** Names of the installed services, sorted. */
  names(): string[];
}
