import { defineService } from '@mesh/daemonapi';
import type { Daemon, PeerDirectoryEvent, Plugin, PluginContext } from '@mesh/daemonapi';

/** Registration name of the suite's probe plugin. */
export const PROBE_PLUGIN = 'conformance-probe';
/**
 * Registration name of the plugin that provides what the probe needs. It sorts after the probe,
 * so only `provides` / `needs` ordering starts it first.
 */
export const PROVIDER_PLUGIN = 'conformance-provider';

/** What the probe needs and the provider plugin provides. */
export interface ProbeNeed {
  /** The node id of the daemon the provider runs on. */
  readonly nodeId: number;
}

/** The key of {@link ProbeNeed}. */
export const ProbeNeedKey = defineService<ProbeNeed>('conformance.probe-need');

/** What the probe saw on one daemon. */
export interface ProbeState {
  /** The context the engine handed the probe at `init`. */
  readonly context: PluginContext;
  /** Peer-directory events since `init` (when the engine offers a directory). */
  readonly peerEvents: PeerDirectoryEvent[];
  /** Peers the engine reported forgotten (`onPeerForgotten`). */
  readonly forgotten: number[];
  /** What `services().get(ProbeNeedKey)` returned during `init`. */
  readonly need: ProbeNeed | undefined;
  /** Callbacks run whenever one of the arrays above grows. */
  readonly watchers: Set<() => void>;
}

/**
 * A plugin loaded on every daemon of the suite: it keeps its context and records peer-directory
 * events and forgotten peers, by daemon, so checks can see what plugins see.
 */
export function createProbe(): {
  factory: () => Plugin;
  provider: () => Plugin;
  states: Map<Daemon, ProbeState>;
} {
  const states = new Map<Daemon, ProbeState>();
  const factory = (): Plugin => {
    let unsubscribe: (() => void) | undefined;
    let state: ProbeState | undefined;
    return {
      name: PROBE_PLUGIN,
      version: '1.0.0',
      needs: [ProbeNeedKey],
      init(daemon, context) {
        const s: ProbeState = {
          context,
          peerEvents: [],
          forgotten: [],
          need: daemon.services().get(ProbeNeedKey),
          watchers: new Set(),
        };
        state = s;
        states.set(daemon, s);
        unsubscribe = context.peers?.subscribe((event) => {
          s.peerEvents.push(event);
          for (const watcher of [...s.watchers]) watcher();
        });
      },
      shutdown() {
        unsubscribe?.();
        unsubscribe = undefined;
      },
      onPeerForgotten(nodeId) {
        if (state === undefined) return;
        state.forgotten.push(nodeId);
        for (const watcher of [...state.watchers]) watcher();
      },
    };
  };
  const provider = (): Plugin => {
    let remove: (() => void) | undefined;
    return {
      name: PROVIDER_PLUGIN,
      version: '1.0.0',
      provides: [ProbeNeedKey],
      init(daemon) {
        remove = daemon.services().provide(ProbeNeedKey, { nodeId: daemon.nodeId() });
      },
      shutdown() {
        remove?.();
        remove = undefined;
      },
    };
  };
  return { factory, provider, states };
}

/** Resolves once `test()` holds for `state`, re-checking whenever the probe records something. */
export function probeUntil(state: ProbeState, test: () => boolean): Promise<void> {
  if (test()) return Promise.resolve();
  return new Promise((resolve) => {
    const watcher = (): void => {
      if (!test()) return;
      state.watchers.delete(watcher);
      resolve();
    };
    state.watchers.add(watcher);
  });
}
