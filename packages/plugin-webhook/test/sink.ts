// A real local HTTP receiver that records requests and answers as the test says.
import { createServer } from 'node:http';
import type { IncomingHttpHeaders, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Received {
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
}

/** What to answer: a status code, or 'hang' to never answer. */
export type Answer = number | 'hang';

export class Sink {
  readonly received: Received[] = [];
  /** Answers used in order; the last one repeats. */
  answers: Answer[] = [200];
  #server: Server;
  #waiters: { n: number; resolve: () => void }[] = [];
  #hung: ServerResponse[] = [];

  constructor() {
    this.#server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        this.received.push({ headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
        const answer = this.answers.length > 1 ? this.answers.shift()! : this.answers[0];
        if (answer === 'hang') this.#hung.push(res);
        else res.writeHead(answer).end();
        for (const w of [...this.#waiters])
          if (this.received.length >= w.n) {
            this.#waiters.splice(this.#waiters.indexOf(w), 1);
            w.resolve();
          }
      });
    });
  }

  async listen(): Promise<string> {
    await new Promise<void>((resolve) => this.#server.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}/hook`;
  }

  /** Resolves once `n` requests have arrived. */
  waitFor(n: number): Promise<void> {
    if (this.received.length >= n) return Promise.resolve();
    return new Promise((resolve) => this.#waiters.push({ n, resolve }));
  }

  bodies(): Record<string, unknown>[] {
    return this.received.map((r) => JSON.parse(r.body) as Record<string, unknown>);
  }

  async close(): Promise<void> {
    for (const res of this.#hung) res.destroy();
    this.#server.closeAllConnections();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }
}

export function event(topic: string, payload: Record<string, unknown> = {}, time = Date.now()) {
  return { topic, nodeId: 42, time, payload };
}

/** Polls a condition on the event loop (no fixed sleeps). */
export async function until(check: () => boolean, what: string, limitMs = 5000): Promise<void> {
  const start = Date.now();
  while (!check()) {
    if (Date.now() - start > limitMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 2));
  }
}
