import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RetryCache } from '../src/retry-cache.ts';

function cache(overrides: { ttlMs?: number; maxEntries?: number; maxBytes?: number } = {}) {
  const clock = { now: 0 };
  const c = new RetryCache<string>({
    ttlMs: overrides.ttlMs ?? 1_000,
    maxEntries: overrides.maxEntries ?? 100,
    maxBytes: overrides.maxBytes ?? 1_000_000,
    now: () => clock.now,
    sizeOf: (v) => v.length,
  });
  return { c, clock };
}

test('a repeated key is answered from the first result without running again', async () => {
  const { c } = cache();
  let runs = 0;
  const first = c.run('u1:7', async () => `result ${++runs}`);
  assert.equal(first.replayed, false);
  assert.equal(await first.result, 'result 1');
  const again = c.run('u1:7', async () => `result ${++runs}`);
  assert.equal(again.replayed, true);
  assert.equal(await again.result, 'result 1');
  assert.equal(runs, 1);
  assert.equal(await c.run('u1:8', async () => `result ${++runs}`).result, 'result 2');
});

test('a retry arriving while the first run is in flight waits for that same result', async () => {
  const { c } = cache();
  let release!: (v: string) => void;
  let runs = 0;
  const first = c.run('k', () => {
    runs++;
    return new Promise<string>((resolve) => (release = resolve));
  });
  const retry = c.run('k', async () => {
    runs++;
    return 'second run';
  });
  assert.equal(retry.replayed, true);
  release('only run');
  assert.deepEqual(await Promise.all([first.result, retry.result]), ['only run', 'only run']);
  assert.equal(runs, 1);
});

test('results expire after the TTL, counted from when they finished', async () => {
  const { c, clock } = cache({ ttlMs: 1_000 });
  let release!: (v: string) => void;
  const first = c.run('k', () => new Promise<string>((resolve) => (release = resolve)));
  clock.now = 5_000; // running far longer than the TTL keeps it joinable
  assert.equal(c.run('k', async () => 'x').replayed, true);
  release('done');
  await first.result;
  clock.now = 5_999;
  assert.equal(c.run('k', async () => 'x').replayed, true);
  clock.now = 6_000;
  const fresh = c.run('k', async () => 'rerun');
  assert.equal(fresh.replayed, false);
  assert.equal(await fresh.result, 'rerun');
});

test('bounded by entry count: the oldest result goes first', async () => {
  const { c } = cache({ maxEntries: 3 });
  for (const k of ['a', 'b', 'c', 'd']) await c.run(k, async () => k).result;
  assert.equal(c.size, 3);
  assert.equal(c.run('a', async () => 'a2').replayed, false);
  assert.equal(c.run('d', async () => 'd2').replayed, true);
});

test('bounded by bytes, and a result larger than the whole budget is not kept', async () => {
  const { c } = cache({ maxBytes: 1_000 });
  await c.run('small', async () => 'x'.repeat(100)).result;
  await c.run('huge', async () => 'x'.repeat(5_000)).result;
  assert.ok(c.bytes <= 1_000);
  assert.equal(c.run('small', async () => 'again').replayed, true, 'a too-large result does not flush the others');
  assert.equal(c.run('huge', async () => 'again').replayed, false);
  for (let i = 0; i < 20; i++) await c.run(`k${i}`, async () => 'y'.repeat(200)).result;
  assert.ok(c.bytes <= 1_000, `${c.bytes} bytes kept`);
  assert.ok(c.size < 20);
});

test('a run that rejects is forgotten, so its retry runs again', async () => {
  const { c } = cache();
  const failed = c.run('k', async () => {
    throw new Error('boom');
  });
  await assert.rejects(async () => failed.result, /boom/);
  const retry = c.run('k', async () => 'ok');
  assert.equal(retry.replayed, false);
  assert.equal(await retry.result, 'ok');
});

test('a synchronous run gives a synchronous result, replayed synchronously too', () => {
  const { c } = cache();
  let runs = 0;
  const first = c.run('k', () => `sync ${++runs}`);
  assert.deepEqual(first, { result: 'sync 1', replayed: false });
  assert.deepEqual(c.run('k', () => `sync ${++runs}`), { result: 'sync 1', replayed: true });
  assert.throws(() => c.run('thrower', () => {
    throw new Error('sync boom');
  }), /sync boom/);
  assert.equal(c.run('thrower', () => 'ok').replayed, false, 'a throwing run is forgotten');
});
