import { PluginShutdownError, PluginShutdownTimeoutError, PluginStopError } from './errors.js';
import { isThenable } from './thenable.js';
import type { PluginShutdownFailure } from './errors.js';
import type { Plugin } from '../contract/plugin.js';

/** Deadline of `shutdownAll` when neither `signal` nor `timeoutMs` is given. */
export const DEFAULT_SHUTDOWN_TIMEOUT_MS = 5000;

/** Options of {@link shutdownAll}. */
export interface ShutdownAllOptions {
  /** The deadline as a signal: when it aborts, plugins still running are reported as timed out. */
  readonly signal?: AbortSignal;
  /**
   * The deadline in milliseconds from the call.
   * @defaultValue {@link DEFAULT_SHUTDOWN_TIMEOUT_MS} when `signal` is absent too
   */
  readonly timeoutMs?: number;
}

const DEADLINE = Symbol('deadline');

/**
 * Calls `shutdown` on every plugin in reverse order (the inverse of `loadAll`), one at a time,
 * each with the same deadline signal. Every plugin is attempted even when earlier ones fail. A
 * plugin still running at the deadline is abandoned and reported as timed out; plugins after it
 * are still called (with the aborted signal) and count as stopped only if they return at once.
 * @throws PluginShutdownError listing each failed or timed-out plugin.
 */
export async function shutdownAll(
  plugins: readonly Plugin[],
  options: ShutdownAllOptions = {},
): Promise<void> {
  const { signal } = options;
  const timeoutMs =
    options.timeoutMs ?? (signal === undefined ? DEFAULT_SHUTDOWN_TIMEOUT_MS : undefined);
  const controller = new AbortController();
  let timer: ReturnType<typeof setTimeout> | undefined;
  let onAbort: (() => void) | undefined;
  const deadline = new Promise<typeof DEADLINE>((resolve) => {
    const fire = (reason: unknown): void => {
      if (!controller.signal.aborted) controller.abort(reason);
      resolve(DEADLINE);
    };
    if (signal !== undefined) {
      onAbort = () => fire(signal.reason);
      if (signal.aborted) onAbort();
      else signal.addEventListener('abort', onAbort, { once: true });
    }
    if (timeoutMs !== undefined && !controller.signal.aborted) {
      timer = setTimeout(() => {
        // Clearing a timer that already fired upsets Node's active-timer count; forget it instead.
        timer = undefined;
        fire(new Error(`shutdown deadline of ${timeoutMs} ms passed`));
      }, timeoutMs);
    }
  });

  const failures: PluginShutdownFailure[] = [];
  try {
    for (let i = plugins.length - 1; i >= 0; i--) {
      const plugin = plugins[i];
      const name = plugin.name;
      try {
        const result = plugin.shutdown(controller.signal);
        // Race the plugin's own promise (not a wrapper) so one that is already settled wins even
        // after the deadline: a plugin that stops at once on an aborted signal is not "timed out".
        if (isThenable(result)) {
          const outcome = await Promise.race([result, deadline]);
          if (outcome === DEADLINE)
            failures.push(new PluginShutdownTimeoutError(name, controller.signal.reason));
        }
      } catch (error) {
        failures.push(new PluginStopError(name, error));
      }
    }
  } finally {
    if (timer !== undefined) clearTimeout(timer);
    if (signal !== undefined && onAbort !== undefined) signal.removeEventListener('abort', onAbort);
  }
  if (failures.length > 0) throw new PluginShutdownError(failures);
}
