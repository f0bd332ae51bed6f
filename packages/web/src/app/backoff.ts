// Reconnect pacing: exponential growth so a missing publisher is not hammered, capped so a returning
// publisher is picked up within seconds, and jittered so many viewers of one stream do not reconnect in lockstep.

export interface BackoffPolicy {
  initialMs: number;
  maxMs: number;
  factor: number;
  /** Share of the delay that is randomized, 0..1: the delay lies in [(1 - jitter) * d, d]. */
  jitter: number;
}

export const RECONNECT_BACKOFF: BackoffPolicy = { initialMs: 500, maxMs: 10_000, factor: 2, jitter: 0.3 };

/** Delay before retry number `attempt` (0 for the first retry). `random` returns values in [0, 1). */
export function backoffDelay(attempt: number, policy: BackoffPolicy, random: () => number = Math.random): number {
  const ceiling = Math.min(policy.maxMs, policy.initialMs * policy.factor ** Math.max(0, attempt));
  return Math.round(ceiling * (1 - policy.jitter * random()));
}
