// Answers a retried task from the first execution's result instead of running it twice.
//
// Mars retries a task whose response it did not get (a dropped link, a timeout), so a server
// that charges, sends a message or creates something would do it twice. Results are kept for
// a short window only (retries come within seconds) and the cache is bounded both in entries
// and in bytes. With one TTL for all, the oldest entry is also the first to expire, so a FIFO
// queue serves both expiry and eviction. The queue is an array, not the Map's own order:
// V8 leaves deleted Map slots in place until a rehash, and finding the first live entry of a
// Map that is always deleted from the front scans all of them (measured: ~7 µs per task at
// 10k entries). Expired entries are swept at most once per sweep interval (a lookup checks
// the TTL itself), so the per-task cost is one Map lookup, one insertion and one array push.

export interface RetryCacheOptions<V> {
  /** How long a finished result is kept for retries. */
  ttlMs: number;
  maxEntries: number;
  /** Budget for kept results as measured by `sizeOf`; a single larger result is not kept. */
  maxBytes: number;
  now: () => number;
  sizeOf: (value: V) => number;
}

/** Sweeping more often than this buys nothing: a lookup ignores expired entries anyway. */
const SWEEP_INTERVAL_MS = 1_000;

interface Entry<V> {
  key: string;
  expiresAt: number;
  /** Set while the first execution runs; retries await it. */
  pending: Promise<V> | null;
  value: V | undefined;
  bytes: number;
}

/** Rough cost of a Map slot, the entry object and the key beyond the value itself. */
const ENTRY_OVERHEAD_BYTES = 96;

export class RetryCache<V> {
  readonly #options: RetryCacheOptions<V>;
  readonly #entries = new Map<string, Entry<V>>();
  /** Entries oldest first from #head; may hold entries already removed from the Map (skipped). */
  #queue: Entry<V>[] = [];
  #head = 0;
  #bytes = 0;
  #nextSweep = -Infinity;

  constructor(options: RetryCacheOptions<V>) {
    this.#options = options;
  }

  get size(): number {
    return this.#entries.size;
  }

  get bytes(): number {
    return this.#bytes;
  }

  /**
   * Runs `execute` the first time `key` is seen; a repeat within the TTL gets the first run's
   * result (`replayed: true`), waiting for it if that run has not finished. A synchronous
   * `execute` gives a synchronous result, so callers skip a promise round trip when they can.
   */
  run(key: string, execute: () => V | Promise<V>): { result: V | Promise<V>; replayed: boolean } {
    const now = this.#options.now();
    if (now >= this.#nextSweep) {
      this.#nextSweep = now + SWEEP_INTERVAL_MS;
      this.#expire(now);
    }
    const existing = this.#entries.get(key);
    if (existing !== undefined) {
      if (existing.pending !== null) return { result: existing.pending, replayed: true };
      if (existing.expiresAt > now) return { result: existing.value as V, replayed: true };
      this.#remove(key, existing);
    }
    const entry: Entry<V> = { key, expiresAt: now + this.#options.ttlMs, pending: null, value: undefined, bytes: 0 };
    this.#add(key, entry);
    let result: V | Promise<V>;
    try {
      result = execute();
    } catch (error) {
      this.#forget(key, entry);
      throw error;
    }
    if (!(result instanceof Promise)) {
      this.#settle(key, entry, result);
      return { result, replayed: false };
    }
    entry.pending = result.then(
      (value) => {
        this.#settle(key, entry, value);
        return value;
      },
      (error: unknown) => {
        this.#forget(key, entry);
        throw error;
      },
    );
    return { result: entry.pending, replayed: false };
  }

  /** A run that failed to produce any result is not a result: let a retry run again. */
  #forget(key: string, entry: Entry<V>): void {
    if (this.#entries.get(key) === entry) this.#remove(key, entry);
  }

  #settle(key: string, entry: Entry<V>, value: V): void {
    if (this.#entries.get(key) !== entry) return; // evicted while running
    entry.pending = null;
    entry.value = value;
    const bytes = this.#options.sizeOf(value) + key.length * 2 + ENTRY_OVERHEAD_BYTES;
    if (bytes > this.#options.maxBytes) {
      // Keeping it would flush everything else and then itself.
      this.#remove(key, entry);
      return;
    }
    entry.bytes = bytes;
    this.#bytes += bytes;
    // The retry window starts when the result exists. The entry keeps its place in the queue,
    // so queue order is start order, which is expiry order up to handler run times: close
    // enough for sweeping, and lookups check the TTL themselves.
    entry.expiresAt = this.#options.now() + this.#options.ttlMs;
    this.#evictOverBudget();
  }

  #add(key: string, entry: Entry<V>): void {
    this.#entries.set(key, entry);
    this.#queue.push(entry);
    this.#evictOverBudget();
  }

  #evictOverBudget(): void {
    while (this.#entries.size > this.#options.maxEntries || this.#bytes > this.#options.maxBytes) {
      const oldest = this.#shift();
      if (oldest === undefined) return;
      if (this.#entries.get(oldest.key) === oldest) this.#remove(oldest.key, oldest);
    }
  }

  #remove(key: string, entry: Entry<V>): void {
    this.#entries.delete(key);
    this.#bytes -= entry.bytes;
  }

  #shift(): Entry<V> | undefined {
    if (this.#head >= this.#queue.length) return undefined;
    const entry = this.#queue[this.#head++];
    // Drop the consumed prefix now and then, so the array does not grow without bound.
    if (this.#head > 1_024 && this.#head * 2 > this.#queue.length) {
      this.#queue = this.#queue.slice(this.#head);
      this.#head = 0;
    }
    return entry;
  }

  #expire(now: number): void {
    while (this.#head < this.#queue.length) {
      const entry = this.#queue[this.#head];
      const live = this.#entries.get(entry.key) === entry;
      if (live && entry.expiresAt > now) return;
      this.#shift();
      if (!live) continue;
      if (entry.pending !== null) {
        // Still running past the window: keep it so retries keep joining it, at the back of the line.
        entry.expiresAt = now + this.#options.ttlMs;
        this.#queue.push(entry);
        continue;
      }
      this.#remove(entry.key, entry);
    }
  }
}
