import {
  DataFrameDecoder,
  DataType,
  dataTypeName,
  decodeFilePayload,
  encodeDataFrame,
  FileStreamType,
  formatAddr,
  type DataFrame,
} from '@mesh/protocol';
import path from 'node:path';
import { writeFileAtomic } from '../util/atomic-file.js';
import { IncomingFile, parseOffer } from './file-stream.js';
import { ensureRoom, NameCollision } from './folder-limits.js';
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
  // Transfers in progress by key: a new OFFER for the same file takes over (the old sender is gone
  // or will fail and retry), so a resume never races a connection the daemon has not seen close.
  const active = new Map<string, StreamState>();
  return serve(DATA_EXCHANGE_PORT, listener, (conn) => {
    const decoder = new DataFrameDecoder();
    const stream: StreamState = { conn, file: undefined, done: Promise.resolve() };
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
          for (const frame of frames) {
            if (conn.destroyed) return;
            if (isStreamType(frame.type)) await handleStreamFrame(stream, frame, ctx, active);
            else await handleFrame(conn, frame, ctx);
          }
        })
        .finally(() => conn.resume());
      stream.done = chain;
    });
    conn.on('end', () => {
      void chain.finally(() => conn.end());
    });
    conn.on('close', () => {
      stream.done = chain.finally(() => releaseStream(stream, active));
    });
  });
}

/** Per-connection file-stream state. */
interface StreamState {
  readonly conn: ServiceConnection;
  file: IncomingFile | undefined;
  /** Settles when the connection's queued frames are handled and its partial file is closed. */
  done: Promise<void>;
}

/** Whether `type` is one of the chunked file-stream frame types. */
function isStreamType(type: number): boolean {
  return (
    type === FileStreamType.OFFER || type === FileStreamType.CHUNK || type === FileStreamType.END
  );
}

/** Closes the connection's partial file (kept for a resume) and forgets it. */
async function releaseStream(s: StreamState, active: Map<string, StreamState>): Promise<void> {
  const file = s.file;
  s.file = undefined;
  if (file === undefined) return;
  if (active.get(IncomingFile.keyOf(file.offer)) === s)
    active.delete(IncomingFile.keyOf(file.offer));
  await file.close().catch(() => undefined);
}

/** Handles one OFFER / CHUNK / END frame of a chunked file stream. */
async function handleStreamFrame(
  s: StreamState,
  frame: DataFrame,
  ctx: ServiceContext,
  active: Map<string, StreamState>,
): Promise<void> {
  let reply: string;
  let fatal = false;
  try {
    if (ctx.stateDir === undefined) throw new Error('no state directory configured');
    const receivedDir = path.join(ctx.stateDir, 'received');
    if (frame.type === FileStreamType.OFFER) {
      const offer = parseOffer(frame.payload);
      await releaseStream(s, active);
      const key = IncomingFile.keyOf(offer);
      const previous = active.get(key);
      if (previous !== undefined && previous !== s) {
        previous.conn.destroy();
        await previous.done.catch(() => undefined);
        await releaseStream(previous, active);
      }
      s.file = await IncomingFile.open(receivedDir, offer);
      active.set(key, s);
      try {
        await ensureRoom(
          receivedDir,
          ctx.limits?.receivedMaxBytes,
          offer.size - s.file.offset,
          '--received-max-bytes',
        );
      } catch (error) {
        await releaseStream(s, active);
        throw error;
      }
      reply = `RESUME ${s.file.offset}`;
    } else if (s.file === undefined) {
      fatal = true;
      throw new Error('no OFFER before this frame');
    } else if (frame.type === FileStreamType.CHUNK) {
      reply = `OK ${await s.file.append(frame.payload)}`;
    } else {
      const file = s.file;
      const target = path.join(receivedDir, receivedName(file.offer.name));
      try {
        await file.complete(target);
      } finally {
        await releaseStream(s, active);
      }
      ctx.bus.publish('file.received', {
        filename: path.basename(target),
        size: file.offer.size,
        path: target,
        from: formatAddr(s.conn.remoteAddr),
        sha256: file.offer.sha256,
      });
      reply = `ACK FILE ${file.offer.size} bytes`;
    }
  } catch (error) {
    if (error instanceof NameCollision)
      ctx.bus.publish('file.collision', {
        filename: error.filename,
        from: formatAddr(s.conn.remoteAddr),
      });
    if (frame.type === FileStreamType.CHUNK) fatal = true;
    reply = `ERR FILE_STREAM ${error instanceof Error ? error.message : String(error)}`;
  }
  if (!s.conn.destroyed && s.conn.writable) {
    s.conn.write(
      encodeDataFrame({ type: DataType.TEXT, payload: new TextEncoder().encode(reply) }),
    );
    if (fatal) s.conn.end();
  }
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
    if (
      frame.type !== DataType.TEXT &&
      frame.type !== DataType.BINARY &&
      frame.type !== DataType.JSON &&
      frame.type !== DataType.FILE
    ) {
      throw new UnsupportedFrame();
    } else if (frame.type === DataType.FILE) {
      const file = decodeFilePayload(frame.payload);
      const dir = path.join(ctx.stateDir, 'received');
      await ensureRoom(dir, ctx.limits?.receivedMaxBytes, file.data.length, '--received-max-bytes');
      const target = path.join(dir, receivedName(file.name));
      try {
        await writeFileAtomic(target, file.data, { overwrite: false });
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'EEXIST')
          throw new NameCollision(path.basename(target));
        throw error;
      }
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
      const json = `${JSON.stringify(record, null, 2)}\n`;
      await ensureRoom(
        path.dirname(target),
        ctx.limits?.inboxMaxBytes,
        Buffer.byteLength(json),
        '--inbox-max-bytes',
      );
      await writeFileAtomic(target, json);
      ctx.bus.publish('message.received', {
        type: typeName,
        from,
        size: frame.payload.length,
        path: target,
      });
    }
    reply = `ACK ${typeName} ${frame.payload.length} bytes`;
  } catch (error) {
    if (error instanceof NameCollision)
      ctx.bus.publish('file.collision', { filename: error.filename, from });
    reply =
      error instanceof UnsupportedFrame
        ? `ERR ${typeName} unsupported frame type`
        : `ERR ${typeName} save failed: ${error instanceof Error ? error.message : String(error)}`;
  }
  if (!conn.destroyed && conn.writable) {
    conn.write(encodeDataFrame({ type: DataType.TEXT, payload: new TextEncoder().encode(reply) }));
  }
}

/** Marks a frame type this receiver does not know (answered, never saved). */
class UnsupportedFrame extends Error {}

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
