// Typed refusals of the go-plugin handshake and launch. This package does not import the
// contract, so it sets the mesh error brand itself.

/** The mesh error brand (`Symbol.for('@mesh/error')`, the same symbol as @mesh/daemonapi's `MESH_ERROR`). */
export const MESH_ERROR_BRAND: unique symbol = Symbol.for('@mesh/error') as never;

/** Base class of every error this package throws: a stable `code` and a `retryable` flag. */
export class GoPluginError extends Error {
  /** Stable upper-snake code. */
  readonly code: string;
  /** Whether trying again may succeed. */
  readonly retryable: boolean;
  /** Brand shared by every mesh error (`isMeshError` in @mesh/daemonapi). */
  readonly [MESH_ERROR_BRAND] = true;

  /**
   * @param code - stable code.
   * @param message - what went wrong and what to do.
   * @param options - `retryable` and the `cause`.
   */
  constructor(
    code: string,
    message: string,
    options: { readonly retryable?: boolean; readonly cause?: unknown } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.retryable = options.retryable ?? false;
  }
}

/** The plugin was started without the magic cookie (or with a wrong value). */
export class BadCookieError extends GoPluginError {
  /** @param key - the cookie's environment variable. */
  constructor(key: string) {
    super(
      'PLUGIN_BAD_COOKIE',
      `this binary is a plugin: it must be launched by a plugin host that sets ${key}; run meshd --plugin-exec instead of starting it directly`,
    );
  }
}

/** Host and plugin share no application protocol version. */
export class NoCommonVersionError extends GoPluginError {
  /**
   * @param hostVersions - what the host supports.
   * @param pluginVersion - what the plugin chose (or its list).
   */
  constructor(hostVersions: readonly number[], pluginVersion: string) {
    super(
      'PLUGIN_NO_COMMON_VERSION',
      `the plugin speaks protocol version ${pluginVersion}, the host only ${hostVersions.join(', ')}; upgrade the older side`,
    );
  }
}

/** The executable's SHA-256 differs from the configured one. */
export class ChecksumMismatchError extends GoPluginError {
  /**
   * @param path - the executable.
   * @param expected - configured hex digest.
   * @param actual - computed hex digest.
   */
  constructor(path: string, expected: string, actual: string) {
    super(
      'PLUGIN_CHECKSUM_MISMATCH',
      `refusing to launch ${path}: its SHA-256 is ${actual}, the configuration expects ${expected}; reinstall the plugin or update the checksum`,
    );
  }
}

/** The plugin's first stdout line is not a valid handshake line. */
export class MalformedHandshakeError extends GoPluginError {
  /**
   * @param line - what the plugin printed.
   * @param reason - why it was refused.
   */
  constructor(line: string, reason: string) {
    super(
      'PLUGIN_MALFORMED_HANDSHAKE',
      `unrecognized plugin handshake line ${JSON.stringify(line.slice(0, 200))}: ${reason}; plugins must print CORE|APP|NETWORK|ADDRESS|PROTOCOL[|CERT] as their first stdout line`,
    );
  }
}

/** The plugin printed no handshake line within the start timeout. */
export class StartTimeoutError extends GoPluginError {
  /**
   * @param path - the executable.
   * @param ms - the timeout.
   */
  constructor(path: string, ms: number) {
    super(
      'PLUGIN_START_TIMEOUT',
      `plugin ${path} printed no handshake line within ${ms} ms; check its stderr, or raise the start timeout`,
      { retryable: true },
    );
  }
}

/** The plugin process exited before or while it was used. */
export class PluginExitedError extends GoPluginError {
  /**
   * @param path - the executable.
   * @param detail - exit code / signal and the last stderr line.
   */
  constructor(path: string, detail: string) {
    super('PLUGIN_EXITED', `plugin ${path} exited: ${detail}`, { retryable: true });
  }
}

/** A brokered connection id was never announced by the other side. */
export class BrokerTimeoutError extends GoPluginError {
  /** @param id - the broker id. */
  constructor(id: number) {
    super(
      'PLUGIN_BROKER_TIMEOUT',
      `timeout waiting for connection info of broker id ${id}; the other side must call acceptAndServe before passing the id`,
      { retryable: true },
    );
  }
}
