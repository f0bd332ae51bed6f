// Bitrate over the last few whole seconds, updated per frame at the cost of one
// subtraction and one array write: the API asks rarely, ingest happens constantly.
const WINDOW_SECONDS = 5;

export class RateMeter {
  readonly #buckets = new Float64Array(WINDOW_SECONDS);
  #currentSecond = 0;

  add(bytes: number, nowMs: number): void {
    const second = Math.floor(nowMs / 1000);
    this.#advance(second);
    this.#buckets[second % WINDOW_SECONDS] += bytes;
  }

  /** Average kilobits per second over the completed seconds of the window. */
  kbps(nowMs: number): number {
    const second = Math.floor(nowMs / 1000);
    this.#advance(second);
    let bytes = 0;
    for (let s = second - WINDOW_SECONDS + 1; s < second; s++) bytes += this.#buckets[s % WINDOW_SECONDS];
    return Math.round((bytes * 8) / 1000 / (WINDOW_SECONDS - 1));
  }

  #advance(second: number): void {
    if (second === this.#currentSecond) return;
    const stale = Math.min(second - this.#currentSecond, WINDOW_SECONDS);
    for (let i = 1; i <= stale; i++) this.#buckets[(this.#currentSecond + i) % WINDOW_SECONDS] = 0;
    this.#currentSecond = second;
  }
}
