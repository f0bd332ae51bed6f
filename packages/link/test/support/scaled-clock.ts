// Real timers with time sped up: Mars's constants (5 s reconnect spacing, 8 s noop timeout, 12 s
// first-packet timeout) stay untouched in the client while an integration test runs in milliseconds.

import type { Clock } from '../../src/client/clock.ts';

export function scaledClock(speedup: number): Clock {
  const origin = performance.now();
  return {
    now: () => (performance.now() - origin) * speedup,
    setTimer(delayMs, callback) {
      const id = setTimeout(callback, Math.max(0, delayMs / speedup));
      return { cancel: () => clearTimeout(id) };
    },
  };
}
