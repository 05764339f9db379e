import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import { drainConnections } from '../src/daemon/drain.js';
import { engineError } from '../src/ipc/errors.js';

/** A connection that moves to `after` when ended (or stays put when `after` is undefined). */
class FakeConn extends EventEmitter {
  ended = false;
  destroyed = false;
  constructor(
    public state: string,
    private readonly after: string | undefined,
  ) {
    super();
  }
  end(): void {
    this.ended = true;
    if (this.after === undefined) return;
    // The peer's FIN arrives later, asynchronously, as it would over the network.
    queueMicrotask(() => {
      this.state = this.after!;
      this.emit('stateChange', this.state);
    });
  }
  destroy(): void {
    this.destroyed = true;
  }
}

function table(conns: FakeConn[]) {
  return {
    connection: (id: number) => conns[id],
    connections: () => conns.map((c, id) => ({ id, state: c.state })),
  };
}

describe('stop drain', () => {
  it('sends FIN on established and half-closed connections only, and waits for them to close', async () => {
    const conns = [
      new FakeConn('ESTABLISHED', 'TIME_WAIT'),
      new FakeConn('CLOSE_WAIT', 'CLOSED'),
      new FakeConn('SYN_SENT', 'CLOSED'),
      new FakeConn('TIME_WAIT', undefined),
    ];
    expect(await drainConnections(table(conns), 60_000)).toBe(0);
    expect(conns.map((c) => c.ended)).toEqual([true, true, false, false]);
    expect(conns.some((c) => c.destroyed)).toBe(false);
    expect(conns.map((c) => c.listenerCount('stateChange'))).toEqual([0, 0, 0, 0]);
  });

  it('gives up on a peer that never closes after the grace period', async () => {
    const conns = [
      new FakeConn('ESTABLISHED', 'TIME_WAIT'),
      new FakeConn('ESTABLISHED', undefined),
    ];
    expect(await drainConnections(table(conns), 5)).toBe(1);
    expect(await drainConnections({ connection: () => undefined }, 5)).toBe(0);
  });
});

describe('engine errors', () => {
  it('map engine and registry-client codes to stable control-plane codes', () => {
    const coded = (code: string, message = 'x') => Object.assign(new Error(message), { code });
    expect(engineError(coded('DIAL_TIMEOUT'), 'dial').code).toBe('timeout');
    expect(engineError(coded('TRANSPORT'), 'resolve').code).toBe('connection_failed');
    expect(engineError(coded('TIMEOUT'), 'resolve').code).toBe('timeout');
    expect(engineError(coded('CLOSED'), 'resolve').code).toBe('unavailable');
    expect(engineError(coded('REMOTE', 'hostname not found'), 'resolve').code).toBe('not_found');
    const e = engineError(coded('PORT_IN_USE', 'port 7 is in use'), 'listen on 7');
    expect(e).toMatchObject({
      code: 'already_exists',
      message: 'listen on 7: port 7 is in use',
      details: { engine_code: 'PORT_IN_USE' },
    });
    expect(engineError(new Error('boom'), 'op').code).toBe('internal');
  });
});
