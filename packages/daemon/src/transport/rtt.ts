// RFC 6298 retransmission timer (reference §B.5): SRTT/RTTVAR, G = 10 ms, clamped, backoff.

/** RTO bounds and granularity in milliseconds. */
export interface RtoBounds {
  /** RTO before the first sample. */
  readonly initialMs: number;
  /** Lower clamp. */
  readonly minMs: number;
  /** Upper clamp (also caps the backoff). */
  readonly maxMs: number;
  /** Clock granularity G. */
  readonly granularityMs: number;
}

/** Smoothed round-trip estimate and the retransmission timeout derived from it. */
export class RttEstimator {
  /** Smoothed RTT in ms (0 until the first sample). */
  srtt = 0;
  /** RTT variation in ms. */
  rttvar = 0;
  /** Current retransmission timeout in ms, backoff included. */
  rto: number;
  /** Smallest sample seen, in ms. */
  minRtt = Infinity;
  /** Number of samples taken. */
  samples = 0;

  /** @param bounds - clamps and granularity. */
  constructor(private readonly bounds: RtoBounds) {
    this.rto = bounds.initialMs;
  }

  /** Feeds one RTT measurement (Karn's rule is the caller's job). */
  sample(r: number): void {
    if (this.samples === 0) {
      this.srtt = r;
      this.rttvar = r / 2;
    } else {
      this.rttvar = 0.75 * this.rttvar + 0.25 * Math.abs(this.srtt - r);
      this.srtt = 0.875 * this.srtt + 0.125 * r;
    }
    this.samples++;
    if (r < this.minRtt) this.minRtt = r;
    this.rto = this.base();
  }

  /** Doubles the RTO after a timeout, up to the cap. */
  backoff(): void {
    this.rto = Math.min(this.bounds.maxMs, this.rto * 2);
  }

  /** Drops the backoff once new data is acknowledged. */
  resetBackoff(): void {
    if (this.samples > 0) this.rto = this.base();
  }

  private base(): number {
    const raw = this.srtt + Math.max(this.bounds.granularityMs, 4 * this.rttvar);
    return Math.min(this.bounds.maxMs, Math.max(this.bounds.minMs, raw));
  }
}
