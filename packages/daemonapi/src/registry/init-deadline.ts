import { PluginInitTimeoutError } from './errors.js';
import { isThenable } from './thenable.js';

/**
 * Waits for what a plugin's `init` returned, but no longer than until `signal` aborts or
 * `timeoutMs` passes, so a stuck `init` cannot hold a daemon's start or stop. `loadAll` uses it;
 * hosts that start plugin instances themselves (the in-memory test daemon, third-party engines)
 * use it to keep the same rule. A late rejection of an abandoned `init` is swallowed.
 * @param name the plugin's name, for the timeout error
 * @param result what `init` returned
 * @throws the signal's reason when it aborts, or a {@link PluginInitTimeoutError}
 */
export async function awaitPluginInit(
  name: string,
  result: Promise<void> | void,
  { signal, timeoutMs }: { signal: AbortSignal; timeoutMs?: number | undefined },
): Promise<void> {
  if (!isThenable(result)) return;
  const pending = Promise.resolve(result);
  // An abandoned init may still reject later; that must not become an unhandled rejection.
  pending.catch(() => {});
  let timer: ReturnType<typeof setTimeout> | undefined;
  let onAbort: (() => void) | undefined;
  const interrupted = new Promise<{ readonly reason: unknown }>((resolve) => {
    onAbort = () => resolve({ reason: signal.reason });
    // The signal may have been aborted while `init` ran synchronously.
    if (signal.aborted) onAbort();
    else signal.addEventListener('abort', onAbort, { once: true });
    if (timeoutMs !== undefined) {
      timer = setTimeout(() => {
        timer = undefined;
        resolve({ reason: new PluginInitTimeoutError(name, timeoutMs) });
      }, timeoutMs);
    }
  });
  try {
    const outcome = await Promise.race([pending.then(() => undefined), interrupted]);
    if (outcome !== undefined) throw outcome.reason;
  } finally {
    if (timer !== undefined) clearTimeout(timer);
    if (onAbort !== undefined) signal.removeEventListener('abort', onAbort);
  }
}
