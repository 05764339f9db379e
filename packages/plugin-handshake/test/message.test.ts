import { createHash, createPrivateKey, sign } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { goQuote } from '../src/message/go-json.js';
import {
  decodeHandshakeMessage,
  encodeHandshakeMessage,
  handshakeChallenge,
  type HandshakeMessage,
} from '../src/message/message.js';
import { decodeStdBase64, verifyEd25519 } from '../src/util/ed25519.js';

// A fixed Ed25519 key: seed 01 02 … 20. Ed25519 signatures are deterministic, so the bytes below
// are what any implementation (Go's crypto/ed25519 included) produces for this key and challenge.
const seed = Buffer.from(Array.from({ length: 32 }, (_, i) => i + 1));
const key = createPrivateKey({
  key: Buffer.concat([Buffer.from('302e020100300506032b657004220420', 'hex'), seed]),
  format: 'der',
  type: 'pkcs8',
});
const PUBLIC_KEY = 'ebVWLo/mVPlAeLES6KmLp5AfhTrmlb7X4OORC60ElmQ=';
const SIGNATURE =
  '70rwlcU3BYmbzLRS4G48T0PolbjHumAGIO+QwpDHVXZPlAZdmzgBFLgoVl+i7jQzabFoRvRP6t4NTJywo4NYBQ==';

describe('port-444 message layout (reference §E.1, §C.7)', () => {
  it('signs "handshake:<sender>:<receiver>" with decimal ids, base64 std in "signature"', () => {
    expect(handshakeChallenge(42, 7)).toBe('handshake:42:7');
    const sig = sign(null, Buffer.from(handshakeChallenge(42, 7), 'utf8'), key).toString('base64');
    expect(sig).toBe(SIGNATURE);
    expect(
      verifyEd25519(
        decodeStdBase64(PUBLIC_KEY)!,
        new TextEncoder().encode('handshake:42:7'),
        decodeStdBase64(SIGNATURE)!,
      ),
    ).toBe(true);
    expect(
      verifyEd25519(
        decodeStdBase64(PUBLIC_KEY)!,
        new TextEncoder().encode('handshake:42:8'),
        decodeStdBase64(SIGNATURE)!,
      ),
    ).toBe(false);
  });

  it("serialises every field in Go's struct order with Go's escaping (golden bytes)", () => {
    const msg: HandshakeMessage = {
      type: 'handshake_request',
      node_id: 42,
      public_key: PUBLIC_KEY,
      justification: "let's talk <about> A&B",
      signature: SIGNATURE,
      reason: '',
      timestamp: 1_700_000_000,
    };
    const golden =
      '{"type":"handshake_request","node_id":42,' +
      '"public_key":"ebVWLo/mVPlAeLES6KmLp5AfhTrmlb7X4OORC60ElmQ=",' +
      '"justification":"let\'s talk \\u003cabout\\u003e A\\u0026B",' +
      '"signature":"70rwlcU3BYmbzLRS4G48T0PolbjHumAGIO+QwpDHVXZPlAZdmzgBFLgoVl+i7jQzabFoRvRP6t4NTJywo4NYBQ==",' +
      '"reason":"","timestamp":1700000000}';
    expect(encodeHandshakeMessage(msg)).toBe(golden);
    // The replay set hashes exactly these bytes, as a Go receiver does.
    expect(createHash('sha256').update(golden).digest('hex')).toHaveLength(64);
    expect(decodeHandshakeMessage(golden)).toEqual(msg);
  });

  it('quotes strings like encoding/json (control characters, line separators)', () => {
    expect(goQuote('a\nb\t"c"\u0001')).toBe('"a\\nb\\t\\"c\\"\\u0001"');
    expect(goQuote('x\u2028y\u2029')).toBe('"x\\u2028y\\u2029"');
    expect(goQuote('héllo')).toBe('"héllo"');
  });

  it('decodes like Go: missing fields are zero, unknown fields ignored, wrong types refused', () => {
    expect(decodeHandshakeMessage('{"type":"handshake_accept","node_id":9,"extra":1}')).toEqual({
      type: 'handshake_accept',
      node_id: 9,
      public_key: '',
      justification: '',
      signature: '',
      reason: '',
      timestamp: 0,
    });
    for (const bad of [
      '',
      '[]',
      'null',
      '{"type":"hello","node_id":1}',
      '{"type":"handshake_request","node_id":-1}',
      '{"type":"handshake_request","node_id":4294967296}',
      '{"type":"handshake_request","node_id":1.5}',
      '{"type":"handshake_request","node_id":"1"}',
      '{"type":"handshake_request","node_id":1,"timestamp":"now"}',
      '{"type":"handshake_request","node_id":1,"justification":7}',
      '{"type":"handshake_request"',
    ])
      expect(decodeHandshakeMessage(bad), bad).toBeUndefined();
  });

  it('accepts only canonical standard base64', () => {
    expect(decodeStdBase64(PUBLIC_KEY)).toHaveLength(32);
    expect(decodeStdBase64('ebVWLo_mVPlAeLES6KmLp5AfhTrmlb7X4OORC60ElmQ=')).toBeUndefined();
    expect(decodeStdBase64('ebVWLo/mVPlAeLES6KmLp5AfhTrmlb7X4OORC60ElmQ')).toBeUndefined();
    expect(decodeStdBase64('')).toBeUndefined();
  });
});
