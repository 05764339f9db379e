import { serve, type RunningService, type ServiceListener } from './service.js';

/** Echo port (reference §B.2). */
export const ECHO_PORT = 7;

/**
 * Echo: writes back every received chunk; `pipe` keeps backpressure (a slow reader slows the
 * writer instead of buffering) and ends with FIN after the peer's FIN.
 * @param listener the port-7 listener
 * @returns the running service
 */
export function startEcho(listener: ServiceListener): RunningService {
  return serve(ECHO_PORT, listener, (conn) => {
    conn.pipe(conn);
  });
}
