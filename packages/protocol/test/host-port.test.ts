import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { ProtocolError, formatHostPort, parseHostPort } from '../src/index.js';

const fails = (text: string, code: string, message: RegExp, defaultHost?: string): void => {
  let caught: unknown;
  try {
    parseHostPort(text, defaultHost === undefined ? {} : { defaultHost });
  } catch (err) {
    caught = err;
  }
  expect(caught, text).toBeInstanceOf(ProtocolError);
  expect((caught as ProtocolError).code, text).toBe(code);
  expect((caught as ProtocolError).message, text).toMatch(message);
};

describe('parseHostPort', () => {
  it('parses IPv4, names, bracketed IPv6 (with a zone) and the port range ends', () => {
    expect(parseHostPort('127.0.0.1:9000')).toEqual({ host: '127.0.0.1', port: 9000 });
    expect(parseHostPort('registry.example:1')).toEqual({ host: 'registry.example', port: 1 });
    expect(parseHostPort('[::1]:65535')).toEqual({ host: '::1', port: 65535 });
    expect(parseHostPort('[fe80::1%eth0]:80')).toEqual({ host: 'fe80::1%eth0', port: 80 });
    expect(parseHostPort('0.0.0.0:0')).toEqual({ host: '0.0.0.0', port: 0 });
    expect(parseHostPort('h:00080')).toEqual({ host: 'h', port: 80 });
  });

  it('uses defaultHost for :port and []:port, and refuses them without one', () => {
    expect(parseHostPort(':9001', { defaultHost: '0.0.0.0' })).toEqual({
      host: '0.0.0.0',
      port: 9001,
    });
    expect(parseHostPort('[]:9001', { defaultHost: '::' })).toEqual({ host: '::', port: 9001 });
    fails(':9001', 'invalid-address', /missing host/);
  });

  it('refuses a missing or out-of-range port with invalid-port', () => {
    fails('h:', 'invalid-port', /0\.\.65535/);
    fails('h:65536', 'invalid-port', /0\.\.65535/);
    fails('h:123456', 'invalid-port', /0\.\.65535/);
    fails('h:-1', 'invalid-port', /0\.\.65535/);
    fails('h:8o', 'invalid-port', /0\.\.65535/);
    fails('h: 80', 'invalid-port', /0\.\.65535/);
    fails('[::1]:x', 'invalid-port', /0\.\.65535/);
  });

  it('refuses malformed text with invalid-address and says what to do', () => {
    fails('localhost', 'invalid-address', /missing ":port"/);
    fails('', 'invalid-address', /missing ":port"/);
    fails('::1:80', 'invalid-address', /brackets, e\.g\. "\[::1\]:80"/);
    fails('[::1]80', 'invalid-address', /":port" after "\]"/);
    fails('[::1:80', 'invalid-address', /missing "\]"/);
    fails('[::1]', 'invalid-address', /":port" after "\]"/);
    fails('a b:80', 'invalid-address', /space/);
    fails('http://h:80', 'invalid-address', /IPv6|URL character/);
    fails('user@h:80', 'invalid-address', /URL character/);
  });
});

describe('formatHostPort', () => {
  it('brackets IPv6 only, once', () => {
    expect(formatHostPort('::1', 9000)).toBe('[::1]:9000');
    expect(formatHostPort('[::1]', 9000)).toBe('[::1]:9000');
    expect(formatHostPort('10.0.0.1', 0)).toBe('10.0.0.1:0');
    expect(formatHostPort('registry.example', 65535)).toBe('registry.example:65535');
  });

  it('refuses a port outside 0..65535', () => {
    for (const port of [-1, 65536, 1.5, Number.NaN])
      expect(() => formatHostPort('h', port), String(port)).toThrow(
        expect.objectContaining({ code: 'invalid-port' }),
      );
  });

  it('round-trips with parseHostPort', () => {
    const host = fc.oneof(fc.ipV4(), fc.ipV6(), fc.domain());
    fc.assert(
      fc.property(host, fc.integer({ min: 0, max: 65535 }), (h, port) => {
        expect(parseHostPort(formatHostPort(h, port))).toEqual({ host: h, port });
      }),
    );
  });
});
