// Latency histogram with fixed buckets, so recording millions of samples costs constant memory
// and one array increment each. Values past the range land in an overflow bucket and report
// as "more than the range" (Infinity) rather than being clamped into a plausible number.

export interface HistogramOptions {
  /** Bucket width in ms. */
  resolutionMs: number;
  /** Largest value kept exactly (to the resolution); beyond it samples count as overflow. */
  rangeMs: number;
}

export class LatencyHistogram {
  readonly resolutionMs: number;
  readonly #counts: Uint32Array;
  #total = 0;

  constructor(options: HistogramOptions = { resolutionMs: 0.1, rangeMs: 2_000 }) {
    this.resolutionMs = options.resolutionMs;
    // The last slot is the overflow bucket.
    this.#counts = new Uint32Array(Math.ceil(options.rangeMs / options.resolutionMs) + 1);
  }

  get count(): number {
    return this.#total;
  }

  record(ms: number): void {
    const bucket = Math.min(Math.max(0, Math.floor(ms / this.resolutionMs)), this.#counts.length - 1);
    this.#counts[bucket]++;
    this.#total++;
  }

  /** Upper edge of the bucket holding the q-quantile (q in 0..1); NaN when empty, Infinity for overflow. */
  quantile(q: number): number {
    if (this.#total === 0) return NaN;
    const rank = Math.max(1, Math.ceil(q * this.#total));
    let seen = 0;
    for (let bucket = 0; bucket < this.#counts.length; bucket++) {
      seen += this.#counts[bucket];
      if (seen >= rank) return bucket === this.#counts.length - 1 ? Infinity : (bucket + 1) * this.resolutionMs;
    }
    return Infinity;
  }
}
