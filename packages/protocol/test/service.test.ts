import { describe, expect, it } from 'vitest';
import {
  DataFrameDecoder,
  DataType,
  EventFrameDecoder,
  MAX_SERVICE_PAYLOAD,
  dataTypeName,
  decodeDataFrame,
  decodeEventFrame,
  decodeFilePayload,
  encodeDataFrame,
  encodeEventFrame,
  encodeFilePayload,
} from '../src/index.js';
import { DATA_TEXT_HELLO_WORLD, EVENT_STATUS_ONLINE, hex, toHex } from './fixtures/goldens.js';
import { codeOf } from './fixtures/error-code.js';

const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s);

describe('data-exchange frames', () => {
  it('encodes TEXT "hello world"', () => {
    const bytes = encodeDataFrame({ type: DataType.TEXT, payload: utf8('hello world') });
    expect(toHex(bytes)).toBe(toHex(hex(DATA_TEXT_HELLO_WORLD)));
    expect(decodeDataFrame(bytes)).toEqual({ type: 1, payload: utf8('hello world') });
  });

  it('names the types', () => {
    expect([1, 2, 3, 4, 9].map(dataTypeName)).toEqual([
      'TEXT',
      'BINARY',
      'JSON',
      'FILE',
      'UNKNOWN(9)',
    ]);
  });

  it('builds and splits FILE payloads', () => {
    const payload = encodeFilePayload({ name: 'a.txt', data: utf8('xyz') });
    expect(toHex(payload)).toBe('0005' + toHex(utf8('a.txt')) + toHex(utf8('xyz')));
    expect(decodeFilePayload(payload)).toEqual({ name: 'a.txt', data: utf8('xyz') });
    expect(codeOf(() => decodeFilePayload(hex('0005 6162')))).toBe('truncated');
    expect(codeOf(() => decodeFilePayload(hex('0001 ff')))).toBe('invalid-utf8');
  });

  it('enforces the 16 MiB limit before allocating', () => {
    const header = new Uint8Array(8);
    new DataView(header.buffer).setUint32(4, MAX_SERVICE_PAYLOAD + 1);
    expect(codeOf(() => decodeDataFrame(header))).toBe('too-large');
    expect(codeOf(() => new DataFrameDecoder().push(header))).toBe('too-large');
    new DataView(header.buffer).setUint32(4, MAX_SERVICE_PAYLOAD);
    expect(codeOf(() => decodeDataFrame(header))).toBe('truncated');
    expect(new DataFrameDecoder().push(header)).toEqual([]);
  });

  it('rejects truncated frames', () => {
    expect(codeOf(() => decodeDataFrame(hex(DATA_TEXT_HELLO_WORLD).subarray(0, 18)))).toBe(
      'truncated',
    );
    expect(codeOf(() => decodeDataFrame(hex('000000')))).toBe('truncated');
  });
});

describe('event frames', () => {
  it('encodes topic "status" payload "online"', () => {
    const bytes = encodeEventFrame({ topic: 'status', payload: utf8('online') });
    expect(toHex(bytes)).toBe(toHex(hex(EVENT_STATUS_ONLINE)));
    expect(decodeEventFrame(bytes)).toEqual({ topic: 'status', payload: utf8('online') });
  });

  it('limits the topic to 1024 bytes', () => {
    expect(encodeEventFrame({ topic: 'x'.repeat(1024), payload: new Uint8Array(0) }).length).toBe(
      1030,
    );
    expect(
      codeOf(() => encodeEventFrame({ topic: 'x'.repeat(1025), payload: new Uint8Array(0) })),
    ).toBe('too-large');
    expect(codeOf(() => decodeEventFrame(hex('0401')))).toBe('too-large');
    expect(codeOf(() => new EventFrameDecoder().push(hex('0401')))).toBe('too-large');
  });

  it('rejects a topic that is not UTF-8', () => {
    expect(codeOf(() => decodeEventFrame(hex('0001 ff 00000000')))).toBe('invalid-utf8');
  });
});

describe('incremental decoders', () => {
  it('reassembles data frames from single bytes', () => {
    const stream = new Uint8Array([
      ...encodeDataFrame({ type: DataType.TEXT, payload: utf8('hello world') }),
      ...encodeDataFrame({ type: DataType.BINARY, payload: new Uint8Array(0) }),
      ...encodeDataFrame({ type: DataType.JSON, payload: utf8('{"a":1}') }),
    ]);
    const decoder = new DataFrameDecoder();
    const frames = [];
    for (const byte of stream) frames.push(...decoder.push(new Uint8Array([byte])));
    expect(frames).toEqual([
      { type: 1, payload: utf8('hello world') },
      { type: 2, payload: new Uint8Array(0) },
      { type: 3, payload: utf8('{"a":1}') },
    ]);
    expect(decoder.bufferedBytes).toBe(0);
    expect(() => decoder.end()).not.toThrow();
  });

  it('returns several frames from one chunk, copies payloads, keeps the remainder', () => {
    const a = encodeEventFrame({ topic: 'status', payload: utf8('online') });
    const b = encodeEventFrame({ topic: '*', payload: utf8('x') });
    const chunk = new Uint8Array([...a, ...b, ...b.subarray(0, 3)]);
    const decoder = new EventFrameDecoder();
    const events = decoder.push(chunk);
    expect(events).toEqual([
      { topic: 'status', payload: utf8('online') },
      { topic: '*', payload: utf8('x') },
    ]);
    expect(events[0].payload.buffer).not.toBe(chunk.buffer);
    expect(decoder.bufferedBytes).toBe(3);
    expect(codeOf(() => decoder.end())).toBe('incomplete');
    expect(decoder.push(b.subarray(3))).toEqual([{ topic: '*', payload: utf8('x') }]);
    expect(() => decoder.end()).not.toThrow();
  });

  it('stays failed after a malformed frame', () => {
    const decoder = new DataFrameDecoder({ maxPayload: 4 });
    expect(codeOf(() => decoder.push(encodeDataFrame({ type: 1, payload: utf8('hello') })))).toBe(
      'too-large',
    );
    expect(codeOf(() => decoder.push(new Uint8Array(0)))).toBe('too-large');
    expect(codeOf(() => decoder.end())).toBe('too-large');
  });
});
