// events.subscribe / events.unsubscribe: bus events streamed to IPC clients as notifications.
import { ErrorCode, IpcError, ParamReader } from '@mesh/ipc';
import type { IpcPeer, MethodRegistry } from '@mesh/ipc';

/** A bus event as the engine publishes it. */
export interface EngineEvent {
  /** Dotted topic. */
  readonly topic: string;
  /** The publishing node. */
  readonly nodeId: number;
  /** Unix ms. */
  readonly time: number;
  /** Event data. */
  readonly payload: Readonly<Record<string, unknown>>;
}

/** One bus subscription: bounded, never blocks the publisher, counts what it drops. */
export interface EngineEventSubscription extends AsyncIterable<EngineEvent> {
  /** Events dropped because the buffer was full. */
  readonly dropped: number;
  /** Ends it. */
  close(): void;
}

/** The event bus as the events handlers need it (`@mesh/daemon`'s EventBus satisfies it). */
export interface EventsBus {
  /** Publishes an event (meshd's own lifecycle topics). */
  publish(topic: string, payload?: Readonly<Record<string, unknown>>): void;
  /** Subscribes with a pattern and a buffer size. */
  subscribe(pattern: string, options?: { readonly bufferSize?: number }): EngineEventSubscription;
}

/** Subscriptions one client may hold at once. */
export const MAX_SUBSCRIPTIONS_PER_CLIENT = 32;
/** Default per-subscription buffer, events. */
export const DEFAULT_EVENTS_BUFFER = 1024;
const MAX_EVENTS_BUFFER = 65_536;
const STATE_KEY = 'events.subscriptions';

type Subs = Map<string, EngineEventSubscription>;

function subsOf(peer: IpcPeer): Subs {
  let subs = peer.state.get(STATE_KEY) as Subs | undefined;
  if (!subs) {
    subs = new Map();
    peer.state.set(STATE_KEY, subs);
    const owned = subs;
    peer.onClose(() => {
      for (const sub of owned.values()) sub.close();
      owned.clear();
    });
  }
  return subs;
}

/**
 * Registers `events.subscribe` and `events.unsubscribe`. Each subscription is its own bus
 * subscription with a bounded buffer: a client that reads slowly loses events (the count rides
 * on every notification as `dropped`) and never slows the bus or other clients.
 * @param registry - the IPC method table.
 * @param bus - the engine's event bus.
 * @returns a function that unregisters the methods.
 */
export function registerEventsHandlers(registry: MethodRegistry, bus: EventsBus): () => void {
  let next = 1;
  const offs = [
    registry.handle('events.subscribe', (params, { peer }) => {
      const p = new ParamReader(params ?? {}, 'events.subscribe');
      const pattern = p.optionalString('pattern') ?? '*';
      const bufferSize =
        p.optionalInt('buffer_size', { min: 1, max: MAX_EVENTS_BUFFER }) ?? DEFAULT_EVENTS_BUFFER;
      if (!/^(\*|[A-Za-z0-9_.-]*(\.\*)?)$/.test(pattern))
        throw new IpcError(
          ErrorCode.invalidArgument,
          `events.subscribe: pattern ${JSON.stringify(pattern)} must be "*", "prefix.*" or a topic`,
        );
      const subs = subsOf(peer);
      if (subs.size >= MAX_SUBSCRIPTIONS_PER_CLIENT)
        throw new IpcError(
          ErrorCode.busy,
          `at most ${MAX_SUBSCRIPTIONS_PER_CLIENT} event subscriptions per client; unsubscribe one first`,
        );
      const id = `ev-${next++}`;
      const sub = bus.subscribe(pattern, { bufferSize });
      subs.set(id, sub);
      // The pump awaits the socket's backpressure; meanwhile the bus buffers up to bufferSize.
      void (async () => {
        for await (const e of sub) {
          if (peer.closed) break;
          await peer.notify('events.event', {
            subscription: id,
            topic: e.topic,
            node_id: e.nodeId,
            time: e.time,
            payload: e.payload,
            dropped: sub.dropped,
          });
        }
      })();
      return { subscription: id, pattern };
    }),
    registry.handle('events.unsubscribe', (params, { peer }) => {
      const id = new ParamReader(params, 'events.unsubscribe').string('subscription');
      const subs = subsOf(peer);
      const sub = subs.get(id);
      if (!sub)
        throw new IpcError(ErrorCode.notFound, `no event subscription ${id} on this client`);
      subs.delete(id);
      sub.close();
      return { subscription: id, dropped: sub.dropped };
    }),
  ];
  return () => offs.forEach((off) => off());
}
