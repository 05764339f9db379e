import { MESH_ERROR } from '../errors/mesh-error.js';

/** Stable machine-readable codes of the errors this package throws. */
export type DaemonApiErrorCode =
  | 'PLUGIN_INVALID'
  | 'PLUGIN_DUPLICATE'
  | 'PLUGIN_NAME_MISMATCH'
  | 'PLUGIN_INIT_FAILED'
  | 'PLUGIN_INIT_TIMEOUT'
  | 'PLUGIN_STOP_FAILED'
  | 'PLUGIN_SHUTDOWN_TIMEOUT'
  | 'PLUGIN_SHUTDOWN_FAILED'
  | 'PAYLOAD_KIND_CONFLICT'
  | 'CONTRACT_INCOMPATIBLE'
  | 'PLUGIN_NEED_UNMET'
  | 'PLUGIN_DEPENDENCY_CYCLE'
  | 'PLUGIN_SERVICE_NOT_PROVIDED'
  | 'SERVICE_UNAVAILABLE'
  | 'SERVICE_CONFLICT';

/** Base class of every error of this package; `code` is stable across releases. */
export class DaemonApiError extends Error {
  /** Machine-readable discriminator. */
  readonly code: DaemonApiErrorCode;
  /** Contract errors are programming or configuration errors: retrying does not help. */
  readonly retryable = false;
  /** The mesh error brand (see {@link isMeshError}). */
  readonly [MESH_ERROR] = true as const;

  /** Creates an error with `code`; pass `{ cause }` to keep the underlying failure. */
  constructor(code: DaemonApiErrorCode, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'DaemonApiError';
    this.code = code;
  }
}

/** `registerPlugin` got an empty name or a factory that is not a function. */
export class InvalidPluginError extends DaemonApiError {
  /** Creates the error; `message` says what was wrong. */
  constructor(message: string) {
    super('PLUGIN_INVALID', message);
    this.name = 'InvalidPluginError';
  }
}

/** A second factory was registered under a name that is taken. Thrown at import time. */
export class DuplicatePluginError extends DaemonApiError {
  /** The contested plugin name. */
  readonly plugin: string;

  /** Creates the error for `plugin`. */
  constructor(plugin: string) {
    super(
      'PLUGIN_DUPLICATE',
      `plugin "${plugin}" is already registered; two factories under one name would race in loadAll ` +
        '(is the plugin imported from two different packages?)',
    );
    this.name = 'DuplicatePluginError';
    this.plugin = plugin;
  }
}

/** A factory built a plugin whose `name` differs from the name it was registered under. */
export class PluginNameMismatchError extends DaemonApiError {
  /** The registration name. */
  readonly plugin: string;
  /** The name the instance reported. */
  readonly actualName: string;

  /** Creates the error. */
  constructor(plugin: string, actualName: string) {
    super(
      'PLUGIN_NAME_MISMATCH',
      `plugin registered as "${plugin}" built an instance named "${actualName}"; the names must match`,
    );
    this.name = 'PluginNameMismatchError';
    this.plugin = plugin;
    this.actualName = actualName;
  }
}

/**
 * `loadAll` failed on `plugin` (its factory, its `init`, or a name check). Every plugin
 * initialised before it was shut down again; `rollbackError` holds failures of that clean-up.
 */
export class PluginInitError extends DaemonApiError {
  /** The plugin that failed. */
  readonly plugin: string;
  /** Set when shutting the already-initialised plugins down failed too. */
  readonly rollbackError: PluginShutdownError | undefined;

  /** Creates the error; `cause` is the plugin's own failure. */
  constructor(plugin: string, cause: unknown, rollbackError?: PluginShutdownError) {
    super('PLUGIN_INIT_FAILED', `plugin "${plugin}" failed to initialise: ${describe(cause)}`, {
      cause,
    });
    this.name = 'PluginInitError';
    this.plugin = plugin;
    this.rollbackError = rollbackError;
  }
}

/**
 * A plugin's `init` had not settled after `LoadAllOptions.initTimeoutMs`; it is the `cause` of
 * the {@link PluginInitError} that `loadAll` rejects with.
 */
export class PluginInitTimeoutError extends DaemonApiError {
  /** The plugin whose `init` did not finish. */
  readonly plugin: string;
  /** The deadline it missed, in milliseconds. */
  readonly timeoutMs: number;

  /** Creates the error. */
  constructor(plugin: string, timeoutMs: number) {
    super('PLUGIN_INIT_TIMEOUT', `plugin "${plugin}" did not finish init within ${timeoutMs} ms`);
    this.name = 'PluginInitTimeoutError';
    this.plugin = plugin;
    this.timeoutMs = timeoutMs;
  }
}

/** One plugin's `shutdown` threw or rejected; listed inside {@link PluginShutdownError}. */
export class PluginStopError extends DaemonApiError {
  /** The plugin that failed. */
  readonly plugin: string;

  /** Creates the error; `cause` is what `shutdown` threw. */
  constructor(plugin: string, cause: unknown) {
    super('PLUGIN_STOP_FAILED', `plugin "${plugin}" failed to shut down: ${describe(cause)}`, {
      cause,
    });
    this.name = 'PluginStopError';
    this.plugin = plugin;
  }
}

/** One plugin's `shutdown` had not returned at the deadline; listed inside {@link PluginShutdownError}. */
export class PluginShutdownTimeoutError extends DaemonApiError {
  /** The plugin that did not return in time. */
  readonly plugin: string;

  /** Creates the error. */
  constructor(plugin: string, cause?: unknown) {
    super(
      'PLUGIN_SHUTDOWN_TIMEOUT',
      `plugin "${plugin}" did not shut down before the deadline`,
      cause === undefined ? undefined : { cause },
    );
    this.name = 'PluginShutdownTimeoutError';
    this.plugin = plugin;
  }
}

/** A per-plugin failure collected by `shutdownAll`. */
export type PluginShutdownFailure = PluginStopError | PluginShutdownTimeoutError;

/**
 * `shutdownAll` finished, but some plugins failed or timed out. `errors` lists one
 * {@link PluginStopError} or {@link PluginShutdownTimeoutError} per plugin, in shutdown order.
 */
export class PluginShutdownError extends AggregateError {
  /** Machine-readable discriminator. */
  readonly code = 'PLUGIN_SHUTDOWN_FAILED' as const;
  /** Not retryable. */
  readonly retryable = false;
  /** The mesh error brand (see {@link isMeshError}). */
  readonly [MESH_ERROR] = true as const;
  /** The per-plugin failures (same array as `errors`, typed). */
  declare readonly errors: PluginShutdownFailure[];

  /** Creates the aggregate from the per-plugin failures. */
  constructor(failures: readonly PluginShutdownFailure[]) {
    super(
      [...failures],
      `${failures.length} plugin(s) failed to shut down: ` +
        failures
          .map(
            (f) =>
              `${f.plugin} (${f.code === 'PLUGIN_SHUTDOWN_TIMEOUT' ? 'timed out' : describe(f.cause)})`,
          )
          .join(', '),
    );
    this.name = 'PluginShutdownError';
  }

  /** Names of the plugins that failed, in shutdown order. */
  get plugins(): string[] {
    return this.errors.map((e) => e.plugin);
  }
}

/** Two plugins claim the same payload kind; refused at load time, before any `init`. */
export class PayloadKindConflictError extends DaemonApiError {
  /** The contested kind. */
  readonly kind: string;
  /** The two claimants: the first (sorted-order) owner, then the newcomer. */
  readonly plugins: readonly [string, string];

  /** Creates the error. */
  constructor(kind: string, owner: string, claimant: string) {
    super(
      'PAYLOAD_KIND_CONFLICT',
      `payload kind "${kind}" is claimed by both "${owner}" and "${claimant}"; a kind may have only one handler`,
    );
    this.name = 'PayloadKindConflictError';
    this.kind = kind;
    this.plugins = [owner, claimant];
  }
}

/**
 * Two copies of `@mesh/daemonapi` with incompatible contract versions met in one process;
 * the newcomer refuses to share the plugin registry.
 */
export class IncompatibleContractError extends DaemonApiError {
  /** The contract version of the copy that refused. */
  readonly ownVersion: string;
  /** The contract version that owns the process-wide registry. */
  readonly registryVersion: string;

  /** Creates the error. */
  constructor(ownVersion: string, registryVersion: string) {
    super(
      'CONTRACT_INCOMPATIBLE',
      `@mesh/daemonapi ${ownVersion} cannot share the plugin registry with @mesh/daemonapi ${registryVersion} ` +
        'already loaded in this process (major versions differ); install one compatible version',
    );
    this.name = 'IncompatibleContractError';
    this.ownVersion = ownVersion;
    this.registryVersion = registryVersion;
  }
}

/**
 * A plugin `needs` a service that neither another plugin `provides` nor the engine has
 * installed. Refused by `loadAll` before any `init` runs.
 */
export class UnmetServiceNeedError extends DaemonApiError {
  /** The plugin with the unmet need. */
  readonly plugin: string;
  /** The service nobody provides. */
  readonly service: string;

  /** Creates the error. */
  constructor(plugin: string, service: string) {
    super(
      'PLUGIN_NEED_UNMET',
      `plugin "${plugin}" needs service "${service}", which no loaded plugin provides and the engine does not offer; ` +
        'import the plugin that provides it, or remove the need',
    );
    this.name = 'UnmetServiceNeedError';
    this.plugin = plugin;
    this.service = service;
  }
}

/** The `provides` / `needs` declarations of some plugins form a cycle; refused by `loadAll`. */
export class PluginDependencyCycleError extends DaemonApiError {
  /** The plugins on the cycle, in dependency order, the first repeated at the end. */
  readonly cycle: readonly string[];

  /** Creates the error. */
  constructor(cycle: readonly string[]) {
    super(
      'PLUGIN_DEPENDENCY_CYCLE',
      `plugins depend on each other in a cycle: ${cycle.join(' -> ')}; no load order can satisfy it`,
    );
    this.name = 'PluginDependencyCycleError';
    this.cycle = [...cycle];
  }
}

/** A plugin declared that it `provides` a service but had not installed it when its `init` finished. */
export class ServiceNotProvidedError extends DaemonApiError {
  /** The plugin. */
  readonly plugin: string;
  /** The missing service. */
  readonly service: string;

  /** Creates the error. */
  constructor(plugin: string, service: string) {
    super(
      'PLUGIN_SERVICE_NOT_PROVIDED',
      `plugin "${plugin}" declares that it provides "${service}" but did not install it during init ` +
        '(call daemon.services().provide(key, impl) in init)',
    );
    this.name = 'ServiceNotProvidedError';
    this.plugin = plugin;
    this.service = service;
  }
}

/** `ServiceRegistry.require` found no implementation. */
export class ServiceUnavailableError extends DaemonApiError {
  /** The missing service. */
  readonly service: string;

  /** Creates the error. */
  constructor(service: string) {
    super('SERVICE_UNAVAILABLE', `no "${service}" service is installed (is its plugin loaded?)`);
    this.name = 'ServiceUnavailableError';
    this.service = service;
  }
}

/** `ServiceRegistry.provide` found another implementation already installed. */
export class ServiceConflictError extends DaemonApiError {
  /** The contested service. */
  readonly service: string;

  /** Creates the error. */
  constructor(service: string) {
    super(
      'SERVICE_CONFLICT',
      `a "${service}" service is already installed; remove it before installing another (two plugins provide it?)`,
    );
    this.name = 'ServiceConflictError';
    this.service = service;
  }
}

/** A short, human-readable description of an unknown thrown value. */
function describe(value: unknown): string {
  if (value instanceof Error) return value.message;
  return String(value);
}
