import { describe, expect, it } from 'vitest';
import { NonceCache } from '../src/auth/nonce-cache.js';

describe('envelope nonce cache', () => {
  it('refuses a nonce again until it expires, per key', () => {
    const c = new NonceCache();
    expect(c.claim('k1', 'n', 1300, 1000)).toBe('ok');
    expect(c.claim('k1', 'n', 1300, 1200)).toBe('replay');
    expect(c.claim('k2', 'n', 1300, 1200)).toBe('ok');
    expect(c.claim('k1', 'n', 1700, 1400)).toBe('ok'); // the first one expired at 1300
  });

  it('answers full rather than evicting unexpired nonces, per key and in total', () => {
    const c = new NonceCache({ perKey: 2, total: 3 });
    expect(c.claim('a', '1', 1300, 1000)).toBe('ok');
    expect(c.claim('a', '2', 1300, 1000)).toBe('ok');
    expect(c.claim('a', '3', 1300, 1000)).toBe('full');
    expect(c.claim('a', '1', 1300, 1000)).toBe('replay'); // still remembered
    expect(c.claim('b', '1', 1300, 1000)).toBe('ok');
    expect(c.claim('c', '1', 1300, 1000)).toBe('full');
    expect(c.size).toBe(3);
    // Once they expire, room comes back.
    expect(c.claim('a', '3', 1700, 1301)).toBe('ok');
    expect(c.claim('c', '1', 1700, 1302)).toBe('ok');
    c.sweep(2000);
    expect(c.size).toBe(0);
  });
});
