import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { backoffDelay, RECONNECT_BACKOFF, type BackoffPolicy } from '../src/app/backoff.ts';

const noJitter: BackoffPolicy = { ...RECONNECT_BACKOFF, jitter: 0 };

test('doubles from the initial delay up to the cap', () => {
  assert.deepEqual(
    [0, 1, 2, 3, 4, 5, 6, 10].map((attempt) => backoffDelay(attempt, noJitter)),
    [500, 1000, 2000, 4000, 8000, 10_000, 10_000, 10_000],
  );
});

test('jitter only shortens the delay, by at most its share', () => {
  assert.equal(backoffDelay(2, RECONNECT_BACKOFF, () => 0), 2000);
  assert.equal(backoffDelay(2, RECONNECT_BACKOFF, () => 0.5), 1700);
  assert.equal(backoffDelay(2, RECONNECT_BACKOFF, () => 0.999999), 1400);
});

test('stays within [(1 - jitter) * ceiling, ceiling] and the ceiling never shrinks', () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 0, max: 1000 }),
      fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }),
      fc.record({
        initialMs: fc.integer({ min: 1, max: 5000 }),
        maxMs: fc.integer({ min: 5000, max: 60_000 }),
        factor: fc.double({ min: 1, max: 4, noNaN: true }),
        jitter: fc.double({ min: 0, max: 1, noNaN: true }),
      }),
      (attempt, random, policy) => {
        const delay = backoffDelay(attempt, policy, () => random);
        const ceiling = backoffDelay(attempt, { ...policy, jitter: 0 });
        assert.ok(ceiling <= policy.maxMs);
        assert.ok(delay <= ceiling && delay >= Math.floor((1 - policy.jitter) * ceiling), `${delay} vs ${ceiling}`);
        assert.ok(backoffDelay(attempt + 1, { ...policy, jitter: 0 }) >= ceiling);
      },
    ),
    { numRuns: 500 },
  );
});
