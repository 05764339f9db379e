// Graceful stop, part one: FIN every open connection while the tunnel can still carry it.
import type { DrainableConnection, EngineConnectionTable } from '../ipc/engine.js';

/** How long the drain waits for peers to acknowledge and close before the engine stops anyway. */
export const DEFAULT_DRAIN_MS = 500;

/**
 * Ends (FIN) every established or half-closed connection and waits until each reaches
 * TIME_WAIT or CLOSED, or `graceMs` passes. The engine's own stop resets what is left and
 * closes the tunnel straight after, so FINs sent from inside it can be lost; draining first
 * gives peers a clean end of stream instead of a reset.
 * @param table - the engine's connection table.
 * @param graceMs - the longest wait.
 * @returns how many connections were still open when the wait ended.
 */
export async function drainConnections(
  table: EngineConnectionTable,
  graceMs: number = DEFAULT_DRAIN_MS,
): Promise<number> {
  const open: DrainableConnection[] = [];
  for (const info of table.connections?.() ?? []) {
    if (info.state !== 'ESTABLISHED' && info.state !== 'CLOSE_WAIT') continue;
    const conn = table.connection(info.id);
    if (conn) open.push(conn);
  }
  if (open.length === 0) return 0;
  let left = open.length;
  await new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, graceMs);
    for (const conn of open) {
      const check = (state: string): void => {
        if (state !== 'TIME_WAIT' && state !== 'CLOSED') return;
        conn.off('stateChange', check);
        if (--left === 0) {
          clearTimeout(timer);
          resolve();
        }
      };
      conn.on('stateChange', check);
      try {
        conn.end();
      } catch {
        check('CLOSED'); // already torn down
      }
    }
  });
  return left;
}
