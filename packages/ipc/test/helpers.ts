// eslint-disable-next-line @typescript-eslint/no-explicit-any -- replies are inspected loosely in tests
type Json = any;
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createConnection } from 'node:net';
import type { Socket } from 'node:net';

/** A temp dir with a socket path inside; `cleanup()` removes it. */
export function tempSocket(): { dir: string; socketPath: string; cleanup(): void } {
  const dir = mkdtempSync(path.join(tmpdir(), 'mesh-ipc-'));
  return {
    dir,
    socketPath: path.join(dir, 'mesh.sock'),
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** A raw socket that collects reply lines as parsed JSON. */
export async function rawClient(socketPath: string): Promise<{
  socket: Socket;
  send(line: string): void;
  next(): Promise<Json>;
}> {
  const socket = createConnection(socketPath);
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', () => resolve());
    socket.once('error', reject);
  });
  const queue: Json[] = [];
  const waiters: ((v: Json) => void)[] = [];
  let buf = '';
  socket.setEncoding('utf8');
  socket.on('data', (chunk: string) => {
    buf += chunk;
    let nl: number;
    while ((nl = buf.indexOf('\n')) !== -1) {
      const msg = JSON.parse(buf.slice(0, nl));
      buf = buf.slice(nl + 1);
      const w = waiters.shift();
      if (w) w(msg);
      else queue.push(msg);
    }
  });
  return {
    socket,
    send: (line) => socket.write(line + '\n'),
    next: () =>
      queue.length > 0 ? Promise.resolve(queue.shift()) : new Promise((r) => waiters.push(r)),
  };
}
