import fc from 'fast-check';
import { once } from 'node:events';
import net from 'node:net';
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  FrameDecoder,
  MessageDecoder,
  MsgType,
  PREAMBLE,
  WireError,
  decodeHeartbeatResp,
  decodeLookupReq,
  encodeFrame,
  encodeHeartbeatResp,
  encodeLookupReq,
  encodeMessage,
  readFrame,
  readMessage,
  readProtocol,
  writeFrame,
  writeMessage,
} from '../src/index.js';
import type { Frame, WireSink } from '../src/index.js';
import { socketSink } from '../src/node.js';
import * as arb from './arbitraries.js';
import { goldenFrames, hex } from './fixtures/goldens.js';

const RUNS = { numRuns: 200 };

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let off = 0;
  for (const p of parts) {
    out.set(p, off);
    off += p.length;
  }
  return out;
}

/** Splits `bytes` at the given cut points (any order, duplicates allowed → empty chunks). */
function split(bytes: Uint8Array, cuts: number[]): Uint8Array[] {
  const points = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
  const chunks: Uint8Array[] = [];
  let prev = 0;
  for (const p of points) {
    chunks.push(bytes.subarray(prev, p));
    prev = p;
  }
  chunks.push(bytes.subarray(prev));
  return chunks;
}

async function* iterate(chunks: Uint8Array[]): AsyncGenerator<Uint8Array> {
  for (const c of chunks) yield c;
}

const allGoldenFrames: Frame[] = goldenFrames.map((g) => ({
  type: g.type,
  payload: hex(g.frame).subarray(5),
}));
const allGoldenBytes = concat(goldenFrames.map((g) => hex(g.frame)));

describe('FrameDecoder', () => {
  it('yields every frame whatever the chunk boundaries', () => {
    fc.assert(
      fc.property(fc.array(fc.nat(), { maxLength: 40 }), (cuts) => {
        const decoder = new FrameDecoder();
        const frames = split(allGoldenBytes, cuts).flatMap((c) => decoder.push(c));
        expect(frames).toEqual(allGoldenFrames);
        expect(decoder.buffered).toBe(0);
        decoder.end();
      }),
      RUNS,
    );
  });

  it('handles one byte at a time and many frames in one chunk', () => {
    const decoder = new FrameDecoder();
    const frames: Frame[] = [];
    for (let i = 0; i < allGoldenBytes.length; i++)
      frames.push(...decoder.push(allGoldenBytes.subarray(i, i + 1)));
    expect(frames).toEqual(allGoldenFrames);
    expect(new FrameDecoder().push(allGoldenBytes)).toEqual(allGoldenFrames);
  });

  it('returns payloads that do not alias the pushed chunk', () => {
    const chunk = hex('00000005 02 0000002a');
    const [frame] = new FrameDecoder().push(chunk);
    chunk.fill(0xee);
    expect(decodeLookupReq(frame.payload)).toBe(42);
  });

  it('checks the preamble when asked, across chunk boundaries', () => {
    fc.assert(
      fc.property(fc.array(fc.nat(), { maxLength: 10 }), (cuts) => {
        const decoder = new FrameDecoder({ expectPreamble: true });
        const frames = split(concat([PREAMBLE, allGoldenBytes]), cuts).flatMap((c) =>
          decoder.push(c),
        );
        expect(frames).toEqual(allGoldenFrames);
      }),
      RUNS,
    );
    expect(() => new FrameDecoder({ expectPreamble: true }).push(hex('0000000a'))).toThrow(
      expect.objectContaining({ code: 'BAD_MAGIC' }),
    );
    expect(() => new FrameDecoder({ expectPreamble: true }).push(hex('50494c54 02'))).toThrow(
      expect.objectContaining({ code: 'BAD_VERSION' }),
    );
    const partial = new FrameDecoder({ expectPreamble: true });
    partial.push(hex('5049'));
    expect(() => partial.end()).toThrow(expect.objectContaining({ code: 'TRUNCATED' }));
  });

  it('rejects an oversized length as soon as the 4 length bytes arrive, and stays failed', () => {
    const decoder = new FrameDecoder({ maxSize: 1024 });
    decoder.push(hex('0000'));
    expect(() => decoder.push(hex('0401'))).toThrow(expect.objectContaining({ code: 'TOO_LARGE' }));
    expect(decoder.buffered).toBeLessThan(8);
    expect(() => decoder.push(hex('00'))).toThrow(expect.objectContaining({ code: 'TOO_LARGE' }));
    expect(() => new FrameDecoder().push(hex('00000000'))).toThrow(
      expect.objectContaining({ code: 'TOO_SHORT' }),
    );
    expect(() => new FrameDecoder({ maxSize: 0 })).toThrow(
      expect.objectContaining({ code: 'OUT_OF_RANGE' }),
    );
  });
});

describe('MessageDecoder', () => {
  it('yields every message whatever the chunk boundaries', () => {
    fc.assert(
      fc.property(
        fc.array(arb.jsonObject, { minLength: 1, maxLength: 6 }),
        fc.array(fc.nat(), { maxLength: 30 }),
        (objects, cuts) => {
          const bytes = concat(objects.map((o) => encodeMessage(o)));
          const decoder = new MessageDecoder();
          const out = split(bytes, cuts).flatMap((c) => decoder.push(c));
          expect(out).toEqual(JSON.parse(JSON.stringify(objects)));
          decoder.end();
        },
      ),
      RUNS,
    );
  });

  it('rejects non-object bodies and reports a partial message at end', () => {
    expect(() => new MessageDecoder().push(hex('00000002 5b5d'))).toThrow(
      expect.objectContaining({ code: 'BAD_JSON' }),
    );
    const decoder = new MessageDecoder();
    decoder.push(hex('00000010 7b'));
    expect(() => decoder.end()).toThrow(expect.objectContaining({ code: 'TRUNCATED' }));
  });
});

describe('readFrame / readMessage / readProtocol over async iterables', () => {
  it('reads every frame across arbitrary chunking, then undefined at a clean end', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.nat(), { maxLength: 30 }), async (cuts) => {
        const source = iterate(split(allGoldenBytes, cuts));
        const frames: Frame[] = [];
        for (let f = await readFrame(source); f; f = await readFrame(source)) frames.push(f);
        expect(frames).toEqual(allGoldenFrames);
        expect(await readFrame(source)).toBeUndefined();
      }),
      { numRuns: 100 },
    );
  });

  it('throws TRUNCATED when the source ends inside a frame', async () => {
    const full = hex(goldenFrames[1].frame);
    for (const cut of [2, 4, 7]) {
      await expect(readFrame(iterate([full.subarray(0, cut)]))).rejects.toMatchObject({
        code: 'TRUNCATED',
      });
    }
  });

  it('rejects oversized lengths before reading the body', async () => {
    let pulled = 0;
    async function* source() {
      pulled++;
      yield hex('7fffffff');
      pulled++;
      yield new Uint8Array(1024);
    }
    await expect(readFrame(source())).rejects.toMatchObject({ code: 'TOO_LARGE' });
    expect(pulled).toBe(1);
  });

  it('reads JSON messages across chunks and negotiates the protocol', async () => {
    const bytes = concat([
      encodeMessage({ type: 'lookup', node_id: 1 }),
      encodeMessage({ type: 'lookup', node_id: 2 }),
    ]);
    const json = iterate(split(bytes, [1, 3, 9, 40]));
    expect(await readProtocol(json)).toBe('json');
    expect(await readMessage(json)).toEqual({ type: 'lookup', node_id: 1 });
    expect(await readMessage(json)).toEqual({ type: 'lookup', node_id: 2 });
    expect(await readMessage(json)).toBeUndefined();

    const binary = iterate(split(concat([PREAMBLE, allGoldenBytes]), [2, 5, 6]));
    expect(await readProtocol(binary)).toBe('binary');
    expect(await readFrame(binary)).toEqual(allGoldenFrames[0]);

    await expect(readProtocol(iterate([hex('50494c54 09')]))).rejects.toMatchObject({
      code: 'BAD_VERSION',
    });
    expect(await readProtocol(iterate([]))).toBeUndefined();
  });

  it('serialises concurrent reads on one source', async () => {
    const source = iterate(split(allGoldenBytes, [3, 17, 90]));
    const frames = await Promise.all(allGoldenFrames.map(() => readFrame(source)));
    expect(frames).toEqual(allGoldenFrames);
  });

  it('wraps a failing source as READ_FAILED', async () => {
    async function* broken(): AsyncGenerator<Uint8Array> {
      yield hex('00');
      throw new Error('connection reset');
    }
    await expect(readFrame(broken())).rejects.toMatchObject({ code: 'READ_FAILED' });
  });
});

describe('writeFrame / writeMessage', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('writes the exact frame and message bytes in one chunk', async () => {
    const written: Uint8Array[] = [];
    const sink: WireSink = { write: (c) => void written.push(c.slice()) };
    await writeFrame(sink, MsgType.LOOKUP, encodeLookupReq(42));
    await writeMessage(sink, { type: 'lookup', node_id: 42 });
    expect(written).toEqual([
      hex('00000005 02 0000002a'),
      encodeMessage({ type: 'lookup', node_id: 42 }),
    ]);
  });

  it('fails with TIMEOUT when the sink never completes (default 5 s deadline)', async () => {
    vi.useFakeTimers();
    const never: WireSink = { write: () => new Promise<void>(() => {}) };
    const frame = writeFrame(never, MsgType.HEARTBEAT_OK, encodeHeartbeatResp(1, false));
    const message = writeMessage(never, { type: 'heartbeat_ok' });
    let settled = false;
    void Promise.allSettled([frame, message]).then(() => (settled = true));
    await vi.advanceTimersByTimeAsync(4999);
    expect(settled).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    await expect(frame).rejects.toMatchObject({ code: 'TIMEOUT' });
    await expect(message).rejects.toMatchObject({ code: 'TIMEOUT' });
    expect(vi.getTimerCount()).toBe(0);
  });

  it('honours a custom deadline and clears its timer on success', async () => {
    vi.useFakeTimers();
    const never: WireSink = { write: () => new Promise<void>(() => {}) };
    const rejected = expect(
      writeMessage(never, { a: 1 }, { deadlineMs: 10 }),
    ).rejects.toBeInstanceOf(WireError);
    await vi.advanceTimersByTimeAsync(10);
    await rejected;
    await writeMessage({ write: () => Promise.resolve() }, { a: 1 });
    expect(vi.getTimerCount()).toBe(0);
  });

  it('reports sink failures as WRITE_FAILED with the cause', async () => {
    const cause = new Error('EPIPE');
    await expect(
      writeFrame({ write: () => Promise.reject(cause) }, 0, new Uint8Array(0)),
    ).rejects.toMatchObject({
      code: 'WRITE_FAILED',
      cause,
    });
    await expect(
      writeMessage(
        {
          write: () => {
            throw cause;
          },
        },
        {},
      ),
    ).rejects.toMatchObject({ code: 'WRITE_FAILED' });
    await expect(writeMessage({ write: () => undefined }, [] as never)).rejects.toMatchObject({
      code: 'BAD_JSON',
    });
  });
});

describe('over a real loopback TCP connection', () => {
  const open: net.Socket[] = [];
  let server: net.Server | undefined;
  afterEach(async () => {
    for (const s of open) s.destroy();
    open.length = 0;
    if (server) await new Promise((r) => server!.close(r));
    server = undefined;
  });

  it('negotiates binary, answers a heartbeat, and carries JSON on another connection', async () => {
    server = net.createServer((socket) => {
      open.push(socket);
      void (async () => {
        const mode = await readProtocol(socket);
        const sink = socketSink(socket);
        if (mode === 'binary') {
          for (let f = await readFrame(socket); f; f = await readFrame(socket)) {
            await writeFrame(
              sink,
              MsgType.HEARTBEAT_OK,
              encodeHeartbeatResp(1_700_000_000 + f.type, true),
            );
          }
        } else if (mode === 'json') {
          for (let m = await readMessage(socket); m; m = await readMessage(socket)) {
            await writeMessage(sink, { type: `${String(m.type)}_ok` });
          }
        }
        socket.end();
      })();
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const { port } = server.address() as net.AddressInfo;

    const binary = net.connect(port, '127.0.0.1');
    open.push(binary);
    await once(binary, 'connect');
    binary.write(
      concat([
        PREAMBLE,
        encodeFrame(MsgType.HEARTBEAT, new Uint8Array(68)),
        encodeFrame(MsgType.HEARTBEAT, new Uint8Array(68)),
      ]),
    );
    const first = await readFrame(binary);
    const second = await readFrame(binary);
    expect(first?.type).toBe(MsgType.HEARTBEAT_OK);
    expect(decodeHeartbeatResp(first!.payload)).toEqual({
      unixTime: 1_700_000_001,
      keyExpiryWarning: true,
    });
    expect(decodeHeartbeatResp(second!.payload).unixTime).toBe(1_700_000_001);
    binary.end();
    expect(await readFrame(binary)).toBeUndefined();

    const json = net.connect(port, '127.0.0.1');
    open.push(json);
    await once(json, 'connect');
    await writeMessage(socketSink(json), { type: 'lookup', node_id: 42 });
    expect(await readMessage(json)).toEqual({ type: 'lookup_ok' });
    json.end();
    expect(await readMessage(json)).toBeUndefined();
  });
});
