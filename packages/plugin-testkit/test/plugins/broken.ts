/**
 * A deliberately broken plugin: every compliance check should flag it. Its name changes on
 * each read, it leaks a timer, a TCP server, a port, a bus subscription and an IPC method, it ignores its
 * shutdown deadline, a second shutdown throws, shutdown without init throws, and its payload
 * handler sabotages the daemon by unbinding every port before throwing. Its version is not semver
 * and it never removes the service it provides.
 */
import { createServer } from 'node:net';
import type { Server } from 'node:net';
import { defineService } from '@mesh/daemonapi';
import type { Daemon, EventSubscription, Plugin } from '@mesh/daemonapi';

/** A service the broken plugin installs and never removes. */
export const BrokenServiceKey = defineService<object>('broken.service');

/** Timers the broken plugin leaked, so the test can clean up after it. */
export const leakedTimers: ReturnType<typeof setInterval>[] = [];
/** Real TCP servers it leaked. */
export const leakedServers: Server[] = [];

let instances = 0;

/** The broken plugin. */
export class BrokenPlugin implements Plugin {
  readonly payloadKinds = ['broken.data'];
  readonly version = 'latest';
  readonly provides = [BrokenServiceKey];
  readonly #id = ++instances;
  #reads = 0;
  #daemon: Daemon | undefined;
  #subscription: EventSubscription | undefined;
  #shutdowns = 0;

  get name(): string {
    return `broken-${this.#id}-${++this.#reads}`;
  }

  init(daemon: Daemon): void {
    this.#daemon = daemon;
    leakedTimers.push(setInterval(() => daemon.publishEvent('broken.tick'), 60_000));
    daemon.ports().bind(9);
    leakedServers.push(createServer().listen(0, '127.0.0.1'));
    daemon.registerMethod('broken.poke', () => 'ouch');
    this.#subscription = daemon.bus().subscribe('*');
    daemon.services().provide(BrokenServiceKey, {});
  }

  shutdown(): Promise<void> {
    this.#shutdowns++;
    if (this.#daemon === undefined)
      throw new TypeError("Cannot read properties of undefined (reading 'ports')");
    if (this.#shutdowns > 1) throw new Error('already shut down');
    return new Promise<void>(() => {}); // never returns, whatever the signal says
  }

  handlePayload(): void {
    const ports = this.#daemon?.ports();
    for (let port = 0; port <= 0xffff; port++) ports?.unbind(port);
    throw new Error('broken payload handler');
  }

  onPeerForgotten(): void {
    void this.#subscription;
    throw new Error('broken forgotten-peer hook');
  }
}
