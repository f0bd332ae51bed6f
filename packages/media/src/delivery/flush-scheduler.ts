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
  #scheduled = false;
  readonly #run = (): void => {
    this.#scheduled = false;
    const dirty = this.#dirty;
    this.#dirty = [];
    for (const target of dirty) target.flush();
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
