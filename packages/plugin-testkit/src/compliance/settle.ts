/** How a guarded call ended. */
export type Settled<T> =
  | { readonly status: 'fulfilled'; readonly value: T }
  | { readonly status: 'rejected'; readonly error: unknown }
  | { readonly status: 'timeout' };

/**
 * Runs `call` (a sync throw counts as a rejection) and waits for it at most `ms` milliseconds.
 * The guard timer is always cleared, so it never shows up in a resource snapshot.
 */
export async function settle<T>(
  call: () => T | PromiseLike<T>,
  ms: number,
): Promise<Settled<Awaited<T>>> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<{ status: 'timeout' }>((resolve) => {
    timer = setTimeout(() => {
      // Node (20) miscounts active timers when a fired timer is cleared; clear only pending ones.
      timer = undefined;
      resolve({ status: 'timeout' });
    }, ms);
  });
  try {
    const run = (async (): Promise<Settled<Awaited<T>>> => {
      try {
        return { status: 'fulfilled', value: await call() };
      } catch (error) {
        return { status: 'rejected', error };
      }
    })();
    return await Promise.race([run, timeout]);
  } finally {
    if (timer !== undefined) clearTimeout(timer);
  }
}

/** One line describing a thrown value. */
export function describeError(error: unknown): string {
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  return String(error);
}

/** A failure line for a guarded call that did not fulfil, or `undefined` when it did. */
export function settledFailure(
  what: string,
  result: Settled<unknown>,
  ms: number,
): string | undefined {
  if (result.status === 'rejected') return `${what} threw ${describeError(result.error)}`;
  if (result.status === 'timeout') return `${what} did not return within ${ms} ms`;
  return undefined;
}
