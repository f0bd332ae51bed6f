// Anti-avalanche frequency limit (Mars frequency_limit.cc): an app bug that fires the same request in
// a loop would, across millions of clients, take the servers down. Identical requests are counted
// in a small table; past 105 repeats the request is refused locally. The table is pruned every hour,
// keeping only records that are still hot, so a legitimately repeated request recovers.

export const FREQUENCY_LIMIT = {
  maxRecords: 30,
  /** A request seen more than this many times is blocked (RECORD_INTERCEPT_COUNT). */
  blockAbove: 105,
  cleanIntervalMs: 60 * 60_000,
  /** On cleaning, records touched within this window... */
  keepRecentMs: 10 * 60_000,
  /** ...with at least this count survive, their count capped so they stay close to the limit. */
  keepMinCount: 75,
  keptCountCap: 99,
} as const;

interface FrequencyRecord {
  count: number;
  lastUpdate: number;
}

export class FrequencyLimit {
  readonly #records = new Map<string, FrequencyRecord>();
  #lastClean: number;

  constructor(now: number) {
    this.#lastClean = now;
  }

  /**
   * Counts one more request with this identity; false when it must be refused. The key is the
   * request's adler32 as in Mars, prefixed with cmdid and cgi so that different commands with the
   * same (often empty) body do not share a counter.
   */
  check(cmdid: number, cgi: string, body: Uint8Array, now: number): boolean {
    if (now - this.#lastClean >= FREQUENCY_LIMIT.cleanIntervalMs) this.#clean(now);
    const key = `${cmdid}|${cgi}|${adler32(body)}`;
    const record = this.#records.get(key);
    if (record) {
      record.count++;
      record.lastUpdate = now;
      return record.count <= FREQUENCY_LIMIT.blockAbove;
    }
    if (this.#records.size >= FREQUENCY_LIMIT.maxRecords) this.#evictStalest();
    this.#records.set(key, { count: 1, lastUpdate: now });
    return true;
  }

  #clean(now: number): void {
    this.#lastClean = now;
    for (const [key, record] of this.#records) {
      if (now - record.lastUpdate <= FREQUENCY_LIMIT.keepRecentMs && record.count >= FREQUENCY_LIMIT.keepMinCount) {
        record.count = Math.min(record.count, FREQUENCY_LIMIT.keptCountCap);
      } else {
        this.#records.delete(key);
      }
    }
  }

  #evictStalest(): void {
    let stalestKey: string | undefined;
    let stalest = Infinity;
    for (const [key, record] of this.#records) {
      if (record.lastUpdate < stalest) {
        stalest = record.lastUpdate;
        stalestKey = key;
      }
    }
    if (stalestKey !== undefined) this.#records.delete(stalestKey);
  }
}

/** Adler-32 (RFC 1950). */
export function adler32(bytes: Uint8Array): number {
  const MOD = 65521;
  // 5552 is the largest block for which the sums cannot exceed 2^32 before the modulo.
  const BLOCK = 5552;
  let a = 1;
  let b = 0;
  for (let start = 0; start < bytes.length; start += BLOCK) {
    const end = Math.min(start + BLOCK, bytes.length);
    for (let i = start; i < end; i++) {
      a += bytes[i];
      b += a;
    }
    a %= MOD;
    b %= MOD;
  }
  return ((b << 16) | a) >>> 0;
}
