// HLS has no connection per viewer: players just poll the playlist. A viewer is a client (address
// and user agent) that fetched it within the last window. The map is kept in last-seen order, so
// expiring is a walk from the front that stops at the first live entry: O(1) amortised per request.

/** Past this many distinct clients per stream the oldest are forgotten: the count saturates instead of memory growing. */
const MAX_TRACKED_CLIENTS = 100_000;

export class ViewerCounter {
  readonly #windowMs: number;
  readonly #lastSeen = new Map<string, number>();

  constructor(windowMs: number) {
    this.#windowMs = windowMs;
  }

  seen(client: string, nowMs: number): void {
    this.#lastSeen.delete(client);
    this.#lastSeen.set(client, nowMs);
    if (this.#lastSeen.size > MAX_TRACKED_CLIENTS) this.#lastSeen.delete(this.#lastSeen.keys().next().value!);
    this.#expire(nowMs);
  }

  count(nowMs: number): number {
    this.#expire(nowMs);
    return this.#lastSeen.size;
  }

  #expire(nowMs: number): void {
    for (const [client, seenAt] of this.#lastSeen) {
      if (nowMs - seenAt < this.#windowMs) return;
      this.#lastSeen.delete(client);
    }
  }
}
