/**
 * Example plugin that claims a payload kind: peers send `counter.add` payloads carrying a
 * 4-byte big-endian increment; the plugin keeps a total per peer, acknowledges each payload
 * with `counter.ack`, forgets a peer's total when the daemon forgets the peer, and publishes
 * the totals on a timer. Malformed payloads throw (the daemon contains the error).
 */
import { registerPlugin } from '@mesh/daemonapi';
import { untilAborted } from './echo.js';
import type { ControlSender, Daemon, Plugin, PluginContext, PluginPayload } from '@mesh/daemonapi';

/** The kind this plugin claims. */
export const COUNTER_KIND = 'counter.add';
/** The kind of its acknowledgements. */
export const COUNTER_ACK_KIND = 'counter.ack';

/** A malformed `counter.add` body. */
export class CounterPayloadError extends Error {
  readonly code = 'COUNTER_BAD_PAYLOAD';
  constructor(length: number) {
    super(`counter.add needs a 4-byte body, got ${length} bytes`);
    this.name = 'CounterPayloadError';
  }
}

/** Options of {@link CounterPlugin}. */
export interface CounterOptions {
  /** Publish `counter.totals` every this many ms (default 60 000). */
  readonly publishEveryMs?: number;
}

/** The counter plugin. */
export class CounterPlugin implements Plugin {
  readonly name = 'counter';
  readonly payloadKinds = [COUNTER_KIND] as const;
  readonly totals = new Map<number, number>();
  readonly seenPeers: string[] = [];
  readonly #publishEveryMs: number;
  #running:
    | {
        daemon: Daemon;
        control: ControlSender | undefined;
        timer: ReturnType<typeof setInterval>;
        cleanup: (() => void)[];
        inflight: Set<Promise<void>>;
      }
    | undefined;

  constructor(options: CounterOptions = {}) {
    this.#publishEveryMs = options.publishEveryMs ?? 60_000;
  }

  init(daemon: Daemon, context: PluginContext): void {
    const cleanup: (() => void)[] = [];
    if (context.peers !== undefined) {
      cleanup.push(
        context.peers.subscribe((event) => {
          if (event.type === 'seen') this.seenPeers.push(event.name);
        }),
      );
    }
    cleanup.push(daemon.registerMethod('counter.get', () => Object.fromEntries(this.totals)));
    const timer = setInterval(
      () => daemon.publishEvent('counter.totals', Object.fromEntries(this.totals)),
      this.#publishEveryMs,
    );
    this.#running = { daemon, control: context.control, timer, cleanup, inflight: new Set() };
  }

  async handlePayload(source: number, payload: PluginPayload): Promise<void> {
    const running = this.#running;
    if (running === undefined) return;
    if (payload.body.length !== 4) throw new CounterPayloadError(payload.body.length);
    const increment = new DataView(payload.body.buffer, payload.body.byteOffset, 4).getUint32(0);
    const total = (this.totals.get(source) ?? 0) + increment;
    this.totals.set(source, total);
    running.daemon.publishEvent('counter.updated', { peer: source, total });
    const ack = new Uint8Array(4);
    new DataView(ack.buffer).setUint32(0, total);
    const sending =
      running.control?.sendDirect(source, { kind: COUNTER_ACK_KIND, body: ack }) ??
      Promise.resolve();
    running.inflight.add(sending);
    try {
      await sending;
    } finally {
      running.inflight.delete(sending);
    }
  }

  onPeerForgotten(nodeId: number): void {
    this.totals.delete(nodeId);
  }

  async shutdown(signal: AbortSignal): Promise<void> {
    const running = this.#running;
    if (running === undefined) return;
    this.#running = undefined;
    clearInterval(running.timer);
    for (const undo of running.cleanup) undo();
    await untilAborted(Promise.allSettled(running.inflight), signal);
  }
}

// Importing the module registers the plugin, as a plugin package's entry point does.
registerPlugin('counter', () => new CounterPlugin());
