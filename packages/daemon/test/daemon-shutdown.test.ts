import { afterEach, describe, expect, it } from 'vitest';
import { startDaemons, startRendezvous, type Rendezvous, type TestDaemon } from './harness.js';

let rv: Rendezvous | undefined;
const daemons: TestDaemon[] = [];
afterEach(async () => {
  for (const d of daemons.splice(0)) await d.stop();
  await rv?.close();
});

describe('daemon shutdown', () => {
  it('ends the peer’s open streams when a daemon stops, and refuses new work', async () => {
    rv = await startRendezvous();
    const [a, b] = await startDaemons(rv, 2);
    daemons.push(a, b);
    const listener = b.daemon.listen(5000);
    const accepted = listener.accept();
    const conn = await a.daemon.dial(b.daemon.addr(), 5000);
    await accepted;
    const ended = new Promise<string>((resolve) => {
      conn.on('end', () => resolve('eof'));
      conn.on('error', (e: Error & { code?: string }) => resolve(`error ${e.code ?? e.message}`));
      conn.resume();
    });
    const deregistered = new Promise((resolve) => b.daemon.bus().on('node.deregistered', resolve));
    await b.daemon.stop();
    await deregistered;
    expect(await ended).toBe('eof');
    expect(b.daemon.state).toBe('stopped');
    await expect(b.daemon.dial(a.daemon.addr(), 7)).rejects.toMatchObject({
      code: 'NOT_STARTED',
    });
    await b.daemon.stop(); // idempotent
  });

  it('ends streams to its built-in services with FIN, not a reset, when a daemon stops', async () => {
    rv = await startRendezvous();
    const [a, b] = await startDaemons(rv, 2);
    daemons.push(a, b);
    const conn = await a.daemon.dial(b.daemon.addr(), 7); // echo service
    conn.write('ping');
    await new Promise((resolve) => conn.once('data', resolve));
    const ended = new Promise<string>((resolve) => {
      conn.on('end', () => resolve('eof'));
      conn.on('error', (e: Error & { code?: string }) => resolve(`error ${e.code ?? e.message}`));
      conn.resume();
    });
    await b.daemon.stop();
    expect(await ended).toBe('eof');
  });
});
