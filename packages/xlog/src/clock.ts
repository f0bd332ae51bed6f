/** Wall-clock source; tests inject one to drive day rotation and expiry. */
export interface Clock {
  /** ms since the epoch. */
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };
