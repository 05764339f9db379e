import { PluginInitTimeoutError } from '@mesh/daemonapi';

/**
 * Waits for what a plugin's `init` returned, but no longer than until `signal` aborts or
 * `timeoutMs` passes (the same rule as `loadAll`), so a stuck `init` cannot hold the daemon.
 * A late rejection of an abandoned `init` is swallowed.
 */
export async function awaitInit(
  plugin: string,
  result: Promise<void> | void,
  signal: AbortSignal,
  timeoutMs: number | undefined,
): Promise<void> {
  if (result === undefined) return;
  const pending = Promise.resolve(result);
  pending.catch(() => {});
  let timer: ReturnType<typeof setTimeout> | undefined;
  let onAbort: (() => void) | undefined;
  const interrupted = new Promise<{ readonly reason: unknown }>((resolve) => {
    onAbort = () => resolve({ reason: signal.reason });
    if (signal.aborted) onAbort();
    else signal.addEventListener('abort', onAbort, { once: true });
    if (timeoutMs !== undefined) {
      timer = setTimeout(() => {
        timer = undefined;
        resolve({ reason: new PluginInitTimeoutError(plugin, timeoutMs) });
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
