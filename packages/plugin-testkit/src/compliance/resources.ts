import { getEventListeners } from 'node:events';
import type { MemoryDaemonResources } from '../daemon/memory-daemon.js';

/** Counts of Node's active resources (timers, sockets, servers, handles) by type. */
export type ActiveResourceCounts = ReadonlyMap<string, number>;

// Resource types that come and go with the test runner itself (vitest's own timers, console
// flushes), not with the plugin. Timers are tracked precisely by `trackTimers` instead.
const IGNORED_TYPES = new Set(['TTYWrap', 'Immediate', 'Timeout']);

/** Snapshot of `process.getActiveResourcesInfo()` (sockets, servers, handles; not timers), counted by type. */
export function activeResources(): ActiveResourceCounts {
  const counts = new Map<string, number>();
  for (const type of process.getActiveResourcesInfo()) {
    if (!IGNORED_TYPES.has(type)) counts.set(type, (counts.get(type) ?? 0) + 1);
  }
  return counts;
}

/** Human-readable growth between two snapshots, e.g. `1 more Timeout`. */
export function resourceGrowth(
  before: ActiveResourceCounts,
  after: ActiveResourceCounts,
): string[] {
  const grown: string[] = [];
  for (const [type, count] of after) {
    const extra = count - (before.get(type) ?? 0);
    if (extra > 0) grown.push(`${extra} more ${type}`);
  }
  return grown;
}

/** What a plugin left open on the in-memory daemon, compared with the `before` snapshot. */
export function daemonGrowth(
  before: MemoryDaemonResources,
  after: MemoryDaemonResources,
): string[] {
  const grown: string[] = [];
  const newPorts = after.ports.filter((p) => !before.ports.includes(p));
  if (newPorts.length > 0) grown.push(`port(s) still bound: ${newPorts.join(', ')}`);
  const newMethods = after.methods.filter((m) => !before.methods.includes(m));
  if (newMethods.length > 0) grown.push(`IPC method(s) still registered: ${newMethods.join(', ')}`);
  const counters = [
    ['connections', 'open connection(s)'],
    ['busSubscriptions', 'event-bus subscription(s)'],
    ['peerSubscriptions', 'peer-directory listener(s)'],
    ['datagramReceivers', 'datagram receiver(s)'],
  ] as const;
  for (const [key, label] of counters) {
    const extra = after[key] - before[key];
    if (extra > 0) grown.push(`${extra} ${label} left open`);
  }
  return grown;
}

/** Abort listeners currently attached to `signal`. */
export function abortListenerCount(signal: AbortSignal): number {
  return getEventListeners(signal, 'abort').length;
}

/** Resolves after pending I/O callbacks (socket and server close events) have run. */
export function settleIo(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** Timers created while a {@link trackTimers} tracker was installed. */
export interface TimerTracker {
  /** Timers created since `trackTimers` that have neither fired (timeouts) nor been cleared. */
  pending(): { readonly timeouts: number; readonly intervals: number };
  /** Puts the original timer functions back. */
  restore(): void;
}

/**
 * Wraps the global `setTimeout` / `setInterval` / `clear*` functions to see which timers a
 * plugin leaves pending. Precise where a process-wide count is not: the test runner's own
 * timers come and go at any time, but it captured its timer functions before this ran.
 */
export function trackTimers(): TimerTracker {
  const original = {
    setTimeout: globalThis.setTimeout,
    setInterval: globalThis.setInterval,
    clearTimeout: globalThis.clearTimeout,
    clearInterval: globalThis.clearInterval,
  };
  const timeouts = new Set<unknown>();
  const intervals = new Set<unknown>();
  const forget = (handle: unknown): void => {
    timeouts.delete(handle);
    intervals.delete(handle);
  };
  const wrappedSetTimeout = (
    callback: (...args: unknown[]) => void,
    ms?: number,
    ...args: unknown[]
  ): unknown => {
    const handle: unknown = original.setTimeout(
      (...a: unknown[]) => {
        timeouts.delete(handle);
        callback(...a);
      },
      ms,
      ...args,
    );
    timeouts.add(handle);
    return handle;
  };
  const wrappedSetInterval = (
    callback: (...args: unknown[]) => void,
    ms?: number,
    ...args: unknown[]
  ): unknown => {
    const handle: unknown = original.setInterval(callback, ms, ...args);
    intervals.add(handle);
    return handle;
  };
  const wrappedClear = (clear: (handle: never) => void) => (handle: unknown) => {
    forget(handle);
    clear(handle as never);
  };
  Object.assign(globalThis, {
    setTimeout: Object.assign(wrappedSetTimeout, original.setTimeout),
    setInterval: Object.assign(wrappedSetInterval, original.setInterval),
    clearTimeout: wrappedClear(original.clearTimeout),
    clearInterval: wrappedClear(original.clearInterval),
  });
  return {
    pending: () => ({ timeouts: timeouts.size, intervals: intervals.size }),
    restore: () => {
      Object.assign(globalThis, original);
    },
  };
}
