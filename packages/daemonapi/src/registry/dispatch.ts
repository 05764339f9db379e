import type { PluginPayload } from '../contract/peers.js';
import type { Plugin } from '../contract/plugin.js';

/** What {@link dispatchPayload} did with a payload. */
export type PayloadDispatchResult =
  | { readonly status: 'unclaimed' }
  | { readonly status: 'handled'; readonly plugin: string }
  | { readonly status: 'failed'; readonly plugin: string; readonly error: unknown };

/** A plugin hook that threw, as reported by {@link notifyPeerForgotten}. */
export interface PluginHookFailure {
  /** The plugin whose hook failed. */
  readonly plugin: string;
  /** What it threw. */
  readonly error: unknown;
}

/**
 * Hands an inbound payload to the first plugin (in the given order) whose `payloadKinds`
 * contains its kind. A throwing handler is contained and reported in the result, never thrown,
 * so one plugin cannot break the engine's receive loop.
 */
export async function dispatchPayload(
  plugins: readonly Plugin[],
  source: number,
  payload: PluginPayload,
): Promise<PayloadDispatchResult> {
  const plugin = plugins.find((p) => p.payloadKinds?.includes(payload.kind) === true);
  if (plugin === undefined || plugin.handlePayload === undefined) return { status: 'unclaimed' };
  try {
    await plugin.handlePayload(source, payload);
    return { status: 'handled', plugin: plugin.name };
  } catch (error) {
    return { status: 'failed', plugin: plugin.name, error };
  }
}

/**
 * Tells every plugin that has an `onPeerForgotten` hook that `nodeId` was forgotten. Hooks run
 * concurrently; every plugin is notified even if others throw, and the failures are returned.
 */
export async function notifyPeerForgotten(
  plugins: readonly Plugin[],
  nodeId: number,
): Promise<PluginHookFailure[]> {
  const withHook = plugins.filter((p) => typeof p.onPeerForgotten === 'function');
  const results = await Promise.allSettled(
    withHook.map(async (p) => {
      await p.onPeerForgotten?.(nodeId);
    }),
  );
  const failures: PluginHookFailure[] = [];
  results.forEach((result, i) => {
    if (result.status === 'rejected')
      failures.push({ plugin: withHook[i].name, error: result.reason });
  });
  return failures;
}
