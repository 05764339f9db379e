import type { Connection, Daemon, Listener, Plugin } from '@mesh/daemonapi';

/** Payload kind the witness claims. */
export const WITNESS_KIND = 'compliance-witness.ping';
/** IPC method the witness registers. */
export const WITNESS_METHOD = 'compliance-witness.ping';

/** What the witness observed; a fault check reads it to see that other plugins kept working. */
export interface WitnessState {
  /** The port the witness echoes on, once initialised. */
  port: number | undefined;
  /** Peers it was told were forgotten. */
  readonly forgotten: number[];
  /** Payload bodies it received. */
  readonly payloads: Uint8Array[];
}

/**
 * A well-behaved plugin loaded beside the plugin under test: it echoes on an ephemeral port,
 * answers an IPC method, claims a payload kind and records forgotten peers.
 */
export function createWitness(): { plugin: Plugin; state: WitnessState } {
  const state: WitnessState = { port: undefined, forgotten: [], payloads: [] };
  let listener: Listener | undefined;
  let unregister: (() => void) | undefined;
  let loop: Promise<void> | undefined;
  let daemonRef: Daemon | undefined;
  const conns = new Set<Connection>();
  const plugin: Plugin = {
    name: 'compliance-witness',
    payloadKinds: [WITNESS_KIND],
    init(daemon: Daemon) {
      listener = daemon.ports().bind(0);
      state.port = listener.port;
      unregister = daemon.registerMethod(WITNESS_METHOD, () => 'pong');
      daemonRef = daemon;
      loop = echo(daemon, listener, conns);
    },
    async shutdown() {
      unregister?.();
      await listener?.close();
      for (const conn of conns) daemonRef?.closeConnection(conn);
      await loop;
      listener = undefined;
      unregister = undefined;
    },
    handlePayload(_source, payload) {
      state.payloads.push(payload.body);
    },
    onPeerForgotten(nodeId) {
      state.forgotten.push(nodeId);
    },
  };
  return { plugin, state };
}

/** Echoes every accepted connection until the listener closes. */
async function echo(daemon: Daemon, listener: Listener, conns: Set<Connection>): Promise<void> {
  const sessions: Promise<void>[] = [];
  for await (const conn of listener) {
    conns.add(conn);
    sessions.push(
      (async () => {
        const rw = daemon.newConnReadWriter(conn);
        for await (const chunk of rw) await rw.write(chunk);
        await rw.close();
      })()
        .catch(() => {})
        .finally(() => conns.delete(conn)),
    );
  }
  await Promise.all(sessions);
}
