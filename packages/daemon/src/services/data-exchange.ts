import {
  DataFrameDecoder,
  DataType,
  dataTypeName,
  decodeFilePayload,
  encodeDataFrame,
  formatAddr,
  type DataFrame,
} from '@mesh/protocol';
import path from 'node:path';
import { writeFileAtomic } from '../util/atomic-file.js';
import {
  serve,
  type RunningService,
  type ServiceContext,
  type ServiceConnection,
  type ServiceListener,
} from './service.js';

/** Data exchange port. */
export const DATA_EXCHANGE_PORT = 1001;

/**
 * Data exchange (§E.8): `[4B type][4B length][payload]` frames; files are saved under
 * `<stateDir>/received/`, other frames as JSON under `<stateDir>/inbox/`, each answered with a
 * TEXT frame `ACK <TYPE> <n> bytes` or `ERR <TYPE> save failed: …`.
 * @param listener the port-1001 listener
 * @param ctx bus, logger, state directory
 * @returns the running service
 */
export function startDataExchange(listener: ServiceListener, ctx: ServiceContext): RunningService {
  return serve(DATA_EXCHANGE_PORT, listener, (conn) => {
    const decoder = new DataFrameDecoder();
    // Frames are saved one at a time, in order; the socket is paused while a save runs.
    let chain = Promise.resolve();
    conn.on('data', (chunk: Buffer) => {
      let frames: DataFrame[];
      try {
        frames = decoder.push(chunk);
      } catch (error) {
        ctx.logger.debug('data exchange: bad frame', { error: String(error) });
        conn.destroy();
        return;
      }
      if (frames.length === 0) return;
      conn.pause();
      chain = chain
        .then(async () => {
          for (const frame of frames) await handleFrame(conn, frame, ctx);
        })
        .finally(() => conn.resume());
    });
    conn.on('end', () => {
      void chain.finally(() => conn.end());
    });
  });
}

/** Saves one data-exchange frame and answers it. */
async function handleFrame(
  conn: ServiceConnection,
  frame: DataFrame,
  ctx: ServiceContext,
): Promise<void> {
  const typeName = dataTypeName(frame.type);
  const from = formatAddr(conn.remoteAddr);
  let reply: string;
  try {
    if (ctx.stateDir === undefined) throw new Error('no state directory configured');
    if (frame.type === DataType.FILE) {
      const file = decodeFilePayload(frame.payload);
      const target = path.join(ctx.stateDir, 'received', receivedName(file.name));
      await writeFileAtomic(target, file.data);
      ctx.bus.publish('file.received', {
        filename: path.basename(target),
        size: file.data.length,
        path: target,
        from,
      });
    } else {
      const stamp = timestamp(new Date());
      const target = path.join(
        ctx.stateDir,
        'inbox',
        `${typeName}-${stamp}-${Math.random().toString(16).slice(2, 8)}.json`,
      );
      const text = new TextDecoder().decode(frame.payload);
      const record = {
        type: typeName,
        from,
        data: frame.type === DataType.BINARY ? Buffer.from(frame.payload).toString('base64') : text,
        bytes: frame.payload.length,
        received_at: new Date().toISOString(),
      };
      await writeFileAtomic(target, `${JSON.stringify(record, null, 2)}\n`);
      ctx.bus.publish('message.received', {
        type: typeName,
        from,
        size: frame.payload.length,
        path: target,
      });
    }
    reply = `ACK ${typeName} ${frame.payload.length} bytes`;
  } catch (error) {
    reply = `ERR ${typeName} save failed: ${error instanceof Error ? error.message : String(error)}`;
  }
  if (!conn.destroyed && conn.writable) {
    conn.write(encodeDataFrame({ type: DataType.TEXT, payload: new TextEncoder().encode(reply) }));
  }
}

// `<base>-<YYYYMMDD-HHMMSS.mmm><ext>`, basename only and sanitised.
/** The saved file name of a received file. */
function receivedName(name: string): string {
  const base = path.basename(name.replace(/\\/g, '/')).replace(/[^A-Za-z0-9._-]/g, '_') || 'file';
  const ext = path.extname(base);
  const stem = (ext === '' ? base : base.slice(0, -ext.length)) || 'file';
  return `${stem}-${timestamp(new Date())}${ext}`;
}

/** `YYYYMMDD-HHMMSS.mmm` in UTC. */
function timestamp(d: Date): string {
  const p = (n: number, w = 2): string => String(n).padStart(w, '0');
  return `${d.getUTCFullYear()}${p(d.getUTCMonth() + 1)}${p(d.getUTCDate())}-${p(d.getUTCHours())}${p(d.getUTCMinutes())}${p(d.getUTCSeconds())}.${p(d.getUTCMilliseconds(), 3)}`;
}
