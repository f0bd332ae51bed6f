// Deterministic clock for the link core: timers fire only when a test advances time, in deadline
// order (FIFO for equal deadlines), with pending promise callbacks flushed after each timer so async
// steps (short-link fetches) interleave as they would in real time.

import type { Clock, TimerHandle } from '../../src/client/clock.ts';

interface Timer {
  at: number;
  order: number;
  callback: () => void;
  cancelled: boolean;
}

export class FakeClock implements Clock {
  #now = 0;
  #order = 0;
  #timers: Timer[] = [];

  now(): number {
    return this.#now;
  }

  setTimer(delayMs: number, callback: () => void): TimerHandle {
    const timer: Timer = { at: this.#now + Math.max(0, delayMs), order: this.#order++, callback, cancelled: false };
    this.#timers.push(timer);
    return { cancel: () => void (timer.cancelled = true) };
  }

  /** Deadlines of live timers, soonest first. */
  get pending(): number[] {
    return this.#live().map((t) => t.at);
  }

  /** Moves time forward by `ms`, firing every timer due on the way. */
  async advance(ms: number): Promise<void> {
    const target = this.#now + ms;
    await flush();
    for (;;) {
      const next = this.#live()[0];
      if (!next || next.at > target) break;
      this.#now = next.at;
      next.cancelled = true;
      next.callback();
      await flush();
    }
    this.#now = target;
  }

  /** Fires timers until none is left or `limitMs` of fake time has passed. */
  async runAll(limitMs = 3_600_000): Promise<void> {
    await this.advance(limitMs);
  }

  #live(): Timer[] {
    this.#timers = this.#timers.filter((t) => !t.cancelled);
    return [...this.#timers].sort((a, b) => a.at - b.at || a.order - b.order);
  }
}

/** Lets every queued promise callback run (one macrotask turn). */
export function flush(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
