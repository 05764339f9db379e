import { EventFrameDecoder, encodeEventFrame, formatAddr } from '@mesh/protocol';
import {
  serve,
  type RunningService,
  type ServiceContext,
  type ServiceConnection,
  type ServiceListener,
} from './service.js';

/** Event stream port. */
export const EVENT_STREAM_PORT = 1002;

/**
 * Event stream pub/sub (§E.8): the first event frame on a connection subscribes it to its
 * topic (`*` = all); later frames are publishes, forwarded to subscribers of that exact topic and
 * of `*`, never back to the sender. A subscriber whose connection cannot keep up is dropped
 * rather than buffered without bound.
 * @param listener the port-1002 listener
 * @param ctx bus and logger
 * @returns the running service
 */
export function startEventStream(listener: ServiceListener, ctx: ServiceContext): RunningService {
  const subscribers = new Map<ServiceConnection, string>();
  const running = serve(EVENT_STREAM_PORT, listener, (conn) => {
    const decoder = new EventFrameDecoder();
    const remote = `${formatAddr(conn.remoteAddr)}:${conn.remotePort}`;
    let topic: string | undefined;
    conn.on('data', (chunk: Buffer) => {
      let frames;
      try {
        frames = decoder.push(chunk);
      } catch {
        conn.destroy();
        return;
      }
      for (const frame of frames) {
        if (topic === undefined) {
          topic = frame.topic;
          subscribers.set(conn, topic);
          ctx.bus.publish('pubsub.subscribed', { topic, remote });
          continue;
        }
        const bytes = encodeEventFrame(frame);
        for (const [sub, subTopic] of subscribers) {
          if (sub === conn) continue;
          if (subTopic !== '*' && subTopic !== frame.topic) continue;
          // A subscriber that stopped reading is cut off instead of buffered without bound.
          if (sub.writableLength > 4 * 1024 * 1024) {
            sub.destroy();
            continue;
          }
          sub.write(bytes);
        }
        ctx.bus.publish('pubsub.published', {
          topic: frame.topic,
          size: frame.payload.length,
          from: remote,
        });
      }
    });
    const drop = (): void => {
      if (subscribers.delete(conn))
        ctx.bus.publish('pubsub.unsubscribed', { topic: topic ?? '', remote });
    };
    conn.once('close', drop);
    conn.once('end', () => {
      drop();
      conn.end();
    });
  });
  return running;
}
