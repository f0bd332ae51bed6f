// Writes to players are gathered and flushed together: by default once per turn of the
// event loop (every frame that arrived in one poll phase leaves in one writev per socket),
// or, in throughput mode, once per merge window (like SRS's merged write), trading latency
// bounded by the window for far fewer system calls.

export interface Flushable {
  flush(): void;
}

export class FlushScheduler {
  readonly #mergeWindowMs: number;
  #dirty: Flushable[] = [];
  /** Last run's list, emptied: a fresh list per run grew (and reallocated) to one slot per player every turn. */
  #spare: Flushable[] = [];
  #scheduled = false;
  readonly #run = (): void => {
    this.#scheduled = false;
    const dirty = this.#dirty;
    this.#dirty = this.#spare;
    for (const target of dirty) target.flush();
    // pop() keeps the capacity; the next run cannot start before this one returns, so nothing else holds `dirty`.
    while (dirty.length > 0) dirty.pop();
    this.#spare = dirty;
  };

  constructor(mergeWindowMs: number) {
    this.#mergeWindowMs = mergeWindowMs;
  }

  /** Asks for `target.flush()` at the end of this turn (or merge window). The caller schedules once per batch. */
  schedule(target: Flushable): void {
    this.#dirty.push(target);
    if (this.#scheduled) return;
    this.#scheduled = true;
    if (this.#mergeWindowMs > 0) setTimeout(this.#run, this.#mergeWindowMs);
    else setImmediate(this.#run);
  }
}
