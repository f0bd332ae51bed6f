// Remembers recent positive access decisions for a short time, bounded in entries, so a
// client that polls (an HLS player) is not re-authorised, nor its webhook called, every poll.
export class DecisionCache {
  readonly #ttlMs: number;
  readonly #maxEntries: number;
  readonly #expiry = new Map<string, number>();

  constructor(ttlMs: number, maxEntries: number) {
    this.#ttlMs = ttlMs;
    this.#maxEntries = maxEntries;
  }

  allows(key: string, now = Date.now()): boolean {
    const expiresAt = this.#expiry.get(key);
    if (expiresAt === undefined) return false;
    if (expiresAt > now) return true;
    this.#expiry.delete(key);
    return false;
  }

  remember(key: string, now = Date.now()): void {
    this.#expiry.delete(key);
    // Maps iterate in insertion order: the first key is the oldest.
    if (this.#expiry.size >= this.#maxEntries) this.#expiry.delete(this.#expiry.keys().next().value!);
    this.#expiry.set(key, now + this.#ttlMs);
  }
}
