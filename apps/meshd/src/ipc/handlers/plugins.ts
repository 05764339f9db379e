// plugins and diag, plus the bridge that serves methods plugins registered on the engine.
import { ParamReader } from '@mesh/ipc';
import type { DiagResult, MethodRegistry } from '@mesh/ipc';
import type { PluginEngine } from '../engine.js';
import type { ConnectionEventLog } from '../../lifecycle/event-log.js';

/**
 * Registers `plugins`.
 * @param registry - the IPC method table.
 * @param engine - loaded plugins and their methods.
 * @returns a function that unregisters it.
 */
export function registerPluginHandlers(
  registry: MethodRegistry,
  engine: PluginEngine,
  processStatus: (name: string) => ProcessStatus | undefined = () => undefined,
): () => void {
  return registry.handle('plugins', () => {
    const methods = engine.methodNames();
    return {
      plugins: engine.pluginList().map(({ name, version }) => {
        const proc = processStatus(name);
        return {
          name,
          version: version !== '' ? version : (proc?.version ?? ''),
          methods: methods.filter((m) => m.startsWith(`${name}.`)),
          // Out-of-process plugins also report their process.
          ...(proc === undefined
            ? {}
            : {
                process: {
                  state: proc.state,
                  pid: proc.pid,
                  restarts: proc.restarts,
                  ...(proc.lastError === undefined ? {} : { last_error: proc.lastError }),
                },
              }),
        };
      }),
    };
  });
}

/** Supervision state of an out-of-process plugin. */
export interface ProcessStatus {
  /** Process state. */
  readonly state: string;
  /** Current pid, 0 when not running. */
  readonly pid: number;
  /** Restarts after crashes. */
  readonly restarts: number;
  /** The last error. */
  readonly lastError?: string;
  /** Plugin version. */
  readonly version?: string;
}

/**
 * Serves every method a plugin registered with `Daemon.registerMethod`: looked up at call
 * time, so a plugin that unregisters (or was never loaded) answers `method_not_found`.
 * @param registry - the IPC method table.
 * @param engine - the plugin method table.
 */
export function bridgePluginMethods(registry: MethodRegistry, engine: PluginEngine): void {
  registry.setFallback({
    get: (name) => {
      const handler = engine.method(name);
      return handler === undefined
        ? undefined
        : (params, ctx) => handler(params, { signal: ctx.signal });
    },
    names: () => engine.methodNames(),
  });
}

/** Link states for `diag`'s summary. */
export interface LinkStates {
  /** Per link: state and since (ISO). */
  snapshot(): Readonly<Record<string, { readonly state: string; readonly since: string }>>;
}

/**
 * Registers `diag`.
 * @param registry - the IPC method table.
 * @param log - the connection-event log.
 * @param links - current link states.
 * @param now - clock.
 * @returns a function that unregisters it.
 */
export function registerDiagHandler(
  registry: MethodRegistry,
  log: ConnectionEventLog,
  links: LinkStates,
  now: () => number = Date.now,
): () => void {
  return registry.handle('diag', (params): DiagResult => {
    const since = new ParamReader(params, 'diag').optionalInt('since_ms', { min: 0 });
    const events = log.snapshot(since);
    const hourAgo = now() - 3_600_000;
    return {
      summary: links.snapshot(),
      events,
      on_disk_count: log.onDiskCount(),
      drops_last_hour: log
        .snapshot(hourAgo)
        .filter((e) => e.type === 'disconnect' || e.type === 'closed').length,
    };
  });
}
