import { describe, expect, it } from 'vitest';
import { KeyedRateLimiter, RttEstimator, TokenBucket } from '../src/transport/index.js';

const bounds = { initialMs: 1000, minMs: 200, maxMs: 10_000, granularityMs: 10 };

describe('RttEstimator (RFC 6298)', () => {
  it('starts at the initial RTO and takes SRTT = R, RTTVAR = R/2 from the first sample', () => {
    const rtt = new RttEstimator(bounds);
    expect(rtt.rto).toBe(1000);
    rtt.sample(300);
    expect(rtt.srtt).toBe(300);
    expect(rtt.rttvar).toBe(150);
    expect(rtt.rto).toBe(300 + 4 * 150);
  });

  it('smooths later samples with alpha 1/8 and beta 1/4', () => {
    const rtt = new RttEstimator(bounds);
    rtt.sample(400);
    rtt.sample(200);
    // RTTVAR = 3/4·200 + 1/4·|400 − 200| = 200; SRTT = 7/8·400 + 1/8·200 = 375
    expect(rtt.rttvar).toBe(200);
    expect(rtt.srtt).toBe(375);
    expect(rtt.rto).toBe(375 + 800);
  });

  it('clamps to the bounds and uses G when the variance is tiny', () => {
    const rtt = new RttEstimator(bounds);
    rtt.sample(1);
    expect(rtt.rto).toBe(200); // 1 + max(10, 2) → clamped up to 200
    for (let i = 0; i < 200; i++) rtt.sample(1000);
    expect(rtt.rto).toBeCloseTo(1010, 0); // variance decays, G = 10 remains
    const slow = new RttEstimator(bounds);
    slow.sample(9000);
    expect(slow.rto).toBe(10_000);
  });

  it('doubles on timeout up to the cap and drops the backoff on new data', () => {
    const rtt = new RttEstimator(bounds);
    rtt.sample(100);
    const base = rtt.rto;
    rtt.backoff();
    rtt.backoff();
    expect(rtt.rto).toBe(base * 4);
    for (let i = 0; i < 10; i++) rtt.backoff();
    expect(rtt.rto).toBe(10_000);
    rtt.resetBackoff();
    expect(rtt.rto).toBe(base);
  });
});

describe('SYN rate limiters', () => {
  it('refills a token bucket continuously up to its burst', () => {
    const bucket = new TokenBucket(10, 3, 0);
    expect([bucket.take(0), bucket.take(0), bucket.take(0), bucket.take(0)]).toEqual([
      true,
      true,
      true,
      false,
    ]);
    expect(bucket.take(100)).toBe(true); // 100 ms at 10/s = one token
    expect(bucket.take(100)).toBe(false);
    expect(bucket.take(10_000)).toBe(true);
  });

  it('keeps one bucket per source and forgets the oldest source beyond the cap', () => {
    const limiter = new KeyedRateLimiter(0.001, 1, 2);
    expect(limiter.take('a', 0)).toBe(true);
    expect(limiter.take('a', 0)).toBe(false);
    expect(limiter.take('b', 0)).toBe(true);
    expect(limiter.take('c', 0)).toBe(true); // evicts 'a'
    expect(limiter.size).toBe(2);
    expect(limiter.take('a', 0)).toBe(true); // 'a' starts over with a full bucket
  });
});
