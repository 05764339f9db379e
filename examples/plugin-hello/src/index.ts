import { registerPlugin, type Daemon, type Plugin, type PluginContext } from '@mesh/daemonapi';

export class HelloPlugin implements Plugin {
  readonly name = 'hello';
  readonly version = '0.1.0';
  #unregister: (() => void) | undefined;

  init(daemon: Daemon, { logger }: PluginContext): void {
    // Adds an IPC method: `meshctl call hello.greet` and @mesh/client's call() reach it.
    this.#unregister = daemon.registerMethod('hello.greet', () => ({ hello: daemon.nodeId() }));
    logger.info('ready');
  }

  shutdown(): void {
    this.#unregister?.();
    this.#unregister = undefined;
  }
}

registerPlugin('hello', () => new HelloPlugin());
