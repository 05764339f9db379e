// The early-heartbeat schedule after a dropped registry connection, on a simulated clock.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { EarlyHeartbeat } from '../src/daemon/early-heartbeat.js';

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

/** A heartbeat whose outcomes are scripted; records the simulated time of each attempt. */
function scripted(outcomes: boolean[]): { beat: () => Promise<boolean>; at: number[] } {
  const at: number[] = [];
  const start = Date.now();
  return {
    at,
    beat: () => {
      at.push(Date.now() - start);
      return Promise.resolve(outcomes.shift() ?? true);
    },
  };
}

describe('EarlyHeartbeat', () => {
  it('backs off 250 ms, 500 ms, 1 s … up to the cap, and stops at the first success', async () => {
    const s = scripted([false, false, false, false, false, true]);
    const early = new EarlyHeartbeat({ beat: s.beat, maxDelayMs: 3000, random: () => 1 });
    early.trigger();
    await vi.advanceTimersByTimeAsync(60_000);
    expect(s.at).toEqual([250, 750, 1750, 3750, 6750, 9750]);
    expect(early.active).toBe(false);
  });

  it('jitters each wait down to half its delay', async () => {
    const s = scripted([false, false]);
    const early = new EarlyHeartbeat({ beat: s.beat, maxDelayMs: 60_000, random: () => 0 });
    early.trigger();
    await vi.advanceTimersByTimeAsync(60_000);
    expect(s.at).toEqual([125, 375, 875]);
  });

  it('runs nothing after stop(), and ignores later triggers', async () => {
    const s = scripted([false]);
    const early = new EarlyHeartbeat({ beat: s.beat, maxDelayMs: 60_000, random: () => 1 });
    early.trigger();
    await vi.advanceTimersByTimeAsync(300);
    expect(s.at).toEqual([250]);
    early.stop();
    early.trigger();
    await vi.advanceTimersByTimeAsync(120_000);
    expect(s.at).toEqual([250]);
    expect(early.active).toBe(false);
  });

  it('a drop while a heartbeat is in flight starts a new round, even if that heartbeat succeeds', async () => {
    const at: number[] = [];
    let finish: (ok: boolean) => void = () => {};
    const early = new EarlyHeartbeat({
      beat: () => {
        at.push(Date.now());
        return new Promise<boolean>((resolve) => (finish = resolve));
      },
      maxDelayMs: 60_000,
      random: () => 1,
    });
    const t0 = Date.now();
    early.trigger();
    await vi.advanceTimersByTimeAsync(250);
    early.trigger(); // the connection dropped again mid-heartbeat
    finish(true);
    await vi.advanceTimersByTimeAsync(250);
    expect(at.map((t) => t - t0)).toEqual([250, 500]);
    finish(true);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(at).toHaveLength(2);
  });
});
