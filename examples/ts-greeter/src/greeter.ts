// An ordinary mesh plugin: nothing here knows whether it runs inside meshd or in its own process.
import type { Daemon, Plugin, PluginContext, PluginPayload } from '@mesh/daemonapi';

/** Greets: IPC method `greeter.hello`, and payload kind `greeter.wave` republished as an event. */
export class GreeterPlugin implements Plugin {
  readonly name = 'greeter';
  readonly version = '0.1.0';
  readonly payloadKinds = ['greeter.wave'];
  #daemon: Daemon | undefined;
  #stop: (() => void) | undefined;

  init(daemon: Daemon, { logger }: PluginContext): void {
    this.#daemon = daemon;
    this.#stop = daemon.registerMethod('greeter.hello', (params) => ({
      hello: (params as { name?: string } | undefined)?.name ?? 'world',
      node: daemon.nodeId(),
      pid: process.pid,
    }));
    logger.info('greeter ready');
  }

  handlePayload(source: number, payload: PluginPayload): void {
    this.#daemon?.publishEvent('greeter.waved', {
      source,
      text: new TextDecoder().decode(payload.body),
    });
  }

  shutdown(): void {
    this.#stop?.();
    this.#stop = undefined;
  }
}
