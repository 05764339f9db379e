import { describe, expect, it } from 'vitest';
import {
  PLUGIN_PAYLOAD_PORT,
  ProtocolError,
  decodePluginPayload,
  encodePluginPayload,
} from '@mesh/protocol';

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
const bytes = (h: string): Uint8Array => new Uint8Array(Buffer.from(h, 'hex'));

describe('plugin payload frames', () => {
  it('encode to the golden bytes [1B kind length][kind][body] and decode back', () => {
    const frame = { kind: 'chat.msg', body: new TextEncoder().encode('hi') };
    expect(hex(encodePluginPayload(frame))).toBe('08636861742e6d73676869');
    const decoded = decodePluginPayload(bytes('08636861742e6d73676869'));
    expect(decoded.kind).toBe('chat.msg');
    expect(hex(decoded.body)).toBe('6869');
    expect(PLUGIN_PAYLOAD_PORT).toBe(1);
  });

  it('carry an empty body and a 255-byte kind', () => {
    expect(hex(encodePluginPayload({ kind: 'k', body: new Uint8Array() }))).toBe('016b');
    const kind = 'x'.repeat(255);
    const frame = encodePluginPayload({ kind, body: bytes('ff') });
    expect(frame[0]).toBe(255);
    expect(decodePluginPayload(frame)).toMatchObject({ kind });
  });

  it('refuse an empty or over-long kind and truncated input with typed errors', () => {
    const code = (fn: () => unknown): string | undefined => {
      try {
        fn();
      } catch (error) {
        return error instanceof ProtocolError ? error.code : 'untyped';
      }
      return undefined;
    };
    expect(code(() => encodePluginPayload({ kind: '', body: new Uint8Array() }))).toBe(
      'invalid-field',
    );
    expect(code(() => encodePluginPayload({ kind: 'é'.repeat(128), body: new Uint8Array() }))).toBe(
      'invalid-field',
    );
    expect(code(() => decodePluginPayload(new Uint8Array()))).toBe('truncated');
    expect(code(() => decodePluginPayload(bytes('00')))).toBe('invalid-length');
    expect(code(() => decodePluginPayload(bytes('0561')))).toBe('truncated');
    expect(code(() => decodePluginPayload(bytes('01ff')))).toBe('invalid-utf8');
  });
});
