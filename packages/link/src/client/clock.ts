// Time is injected so the task, timeout and reconnect logic run identically under a fake clock in tests.

export interface TimerHandle {
  cancel(): void;
}

export interface Clock {
  /** Milliseconds on a monotonic scale; only differences are meaningful. */
  now(): number;
  setTimer(delayMs: number, callback: () => void): TimerHandle;
}

export const systemClock: Clock = {
  now: () => performance.now(),
  setTimer(delayMs, callback) {
    const id = setTimeout(callback, Math.max(0, delayMs));
    return { cancel: () => clearTimeout(id) };
  },
};
